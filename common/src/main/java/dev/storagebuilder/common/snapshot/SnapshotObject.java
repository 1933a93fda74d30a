package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param keyIndex key of the file's {@link KeyIndex} sidecar ({@code rows + deletes} entries);
 *     null when the file has none (written before manifest schema version 2)
 */
public record SnapshotObject(
    String key,
    SnapshotKind kind,
    long rows,
    long bytes,
    long fromWatermark,
    long toWatermark,
    String checksum,
    long deletes,
    @JsonInclude(JsonInclude.Include.NON_NULL) String keyIndex) {
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

  /** A file without a key index sidecar. */
  public SnapshotObject(
      String key,
      SnapshotKind kind,
      long rows,
      long bytes,
      long fromWatermark,
      long toWatermark,
      String checksum,
      long deletes) {
    this(key, kind, rows, bytes, fromWatermark, toWatermark, checksum, deletes, null);
  }

  /** The same file with its key index sidecar stored under {@code keyIndexKey}. */
  public SnapshotObject withKeyIndex(String keyIndexKey) {
    return new SnapshotObject(
        key, kind, rows, bytes, fromWatermark, toWatermark, checksum, deletes, keyIndexKey);
  }

  /** Parquet records of the file (rows plus deletes): the entries of its key index. */
  public long records() {
    return rows + deletes;
  }
}
