package dev.storagebuilder.common.snapshot;

import java.util.Objects;

/**
 * What a finished snapshot file holds.
 *
 * @param rows rows written as they are now: every row of a base, the upserts of a delta
 * @param deletes deleted keys recorded in a delta (0 for a base)
 * @param bytes the object's size
 * @param checksum content checksum of the {@code rows} (upserts only for a delta)
 */
public record SnapshotFileStats(
    SnapshotKind kind, long rows, long deletes, long bytes, RowChecksum checksum) {
  public SnapshotFileStats {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(checksum, "checksum");
  }

  /** Parquet records in the file: rows plus deletes. */
  public long records() {
    return rows + deletes;
  }

  /** The manifest entry for this file once it is stored under {@code key}. */
  public SnapshotObject toObject(String key, long fromWatermark, long toWatermark) {
    return new SnapshotObject(
        key, kind, rows, bytes, fromWatermark, toWatermark, checksum.toHex(), deletes);
  }
}
