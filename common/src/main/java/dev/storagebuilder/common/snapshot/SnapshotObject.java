package dev.storagebuilder.common.snapshot;

import java.util.Objects;

/**
 * One stored snapshot file as a manifest lists it.
 *
 * @param key object key (see {@link StorageLayout})
 * @param rows rows the file holds as they are now: all rows of a base, the upserts of a delta
 * @param bytes object size
 * @param fromWatermark the watermark the file starts from (exclusive); a base's equals its {@code
 *     toWatermark} unless it was read with an overlap window
 * @param toWatermark every change with a version at or below it is reflected up to this file
 * @param checksum {@link RowChecksum#toHex()} of the {@code rows}
 * @param deletes deleted keys recorded in a delta (0 for a base)
 */
public record SnapshotObject(
    String key,
    SnapshotKind kind,
    long rows,
    long bytes,
    long fromWatermark,
    long toWatermark,
    String checksum,
    long deletes) {
  public SnapshotObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    RowChecksum.parseHex(checksum);
    if (rows < 0 || bytes < 0 || deletes < 0) {
      throw new IllegalArgumentException(
          "snapshot object " + key + ": rows, bytes and deletes must be >= 0");
    }
    if (kind == SnapshotKind.BASE && deletes != 0) {
      throw new IllegalArgumentException("snapshot object " + key + ": a base has no deletes");
    }
    if (toWatermark < fromWatermark) {
      throw new IllegalArgumentException(
          "snapshot object "
              + key
              + ": toWatermark "
              + toWatermark
              + " < fromWatermark "
              + fromWatermark);
    }
  }
}
