package dev.storagebuilder.common.snapshot;

/**
 * How a snapshot file is laid out. A writer holds one row group in memory (compressed pages) before
 * it goes out to the {@link dev.storagebuilder.common.storage.ObjectOutput}, so {@code
 * rowGroupBytes} is the per-writer memory budget for buffered data.
 *
 * @param rowGroupBytes target size of a row group; the writer's buffered bytes stay near it
 * @param pageBytes target size of a data page (and of a dictionary page) within a row group
 * @param zstdLevel ZSTD compression level; negative levels are zstd's fast modes
 */
public record SnapshotWriterOptions(long rowGroupBytes, int pageBytes, int zstdLevel) {
  public static final long DEFAULT_ROW_GROUP_BYTES = 32L * 1024 * 1024;
  public static final int DEFAULT_PAGE_BYTES = 1024 * 1024;

  /**
   * zstd's fastest regular level, as the limit pipeline uses. With version 2 pages (delta-encoded
   * numbers) level 3 no longer pays: on the bench's 1M raw_data rows level 1 wrote 9.81 MB against
   * 9.96 MB and cost the writing thread 0.52-0.55 CPU-s against 0.63-0.64; on the synthetic rows of
   * SnapshotWriterThroughputTest 1.50 MB against 1.58 MB. (With version 1 pages level 3 had written
   * 27 % fewer bytes of those synthetic rows.)
   */
  public static final int DEFAULT_ZSTD_LEVEL = 1;

  static final long MIN_ROW_GROUP_BYTES = 64L * 1024;
  static final long MAX_ROW_GROUP_BYTES = 1024L * 1024 * 1024;
  static final int MIN_PAGE_BYTES = 4 * 1024;
  static final int MAX_PAGE_BYTES = 64 * 1024 * 1024;
  static final int MIN_ZSTD_LEVEL = -7;
  static final int MAX_ZSTD_LEVEL = 22;

  public SnapshotWriterOptions {
    if (rowGroupBytes < MIN_ROW_GROUP_BYTES || rowGroupBytes > MAX_ROW_GROUP_BYTES) {
      throw new IllegalArgumentException(
          "snapshot.rowGroupBytes must be "
              + MIN_ROW_GROUP_BYTES
              + ".."
              + MAX_ROW_GROUP_BYTES
              + " (64 KiB..1 GiB), got "
              + rowGroupBytes);
    }
    if (pageBytes < MIN_PAGE_BYTES || pageBytes > MAX_PAGE_BYTES) {
      throw new IllegalArgumentException(
          "snapshot.pageBytes must be "
              + MIN_PAGE_BYTES
              + ".."
              + MAX_PAGE_BYTES
              + " (4 KiB..64 MiB), got "
              + pageBytes);
    }
    if (pageBytes > rowGroupBytes) {
      throw new IllegalArgumentException(
          "snapshot.pageBytes ("
              + pageBytes
              + ") must not exceed snapshot.rowGroupBytes ("
              + rowGroupBytes
              + ")");
    }
    if (zstdLevel < MIN_ZSTD_LEVEL || zstdLevel > MAX_ZSTD_LEVEL || zstdLevel == 0) {
      throw new IllegalArgumentException(
          "snapshot.zstdLevel must be "
              + MIN_ZSTD_LEVEL
              + "..-1 or 1.."
              + MAX_ZSTD_LEVEL
              + ", got "
              + zstdLevel);
    }
  }

  public static SnapshotWriterOptions defaults() {
    return new SnapshotWriterOptions(
        DEFAULT_ROW_GROUP_BYTES, DEFAULT_PAGE_BYTES, DEFAULT_ZSTD_LEVEL);
  }

  public SnapshotWriterOptions withRowGroupBytes(long value) {
    return new SnapshotWriterOptions(value, pageBytes, zstdLevel);
  }

  public SnapshotWriterOptions withPageBytes(int value) {
    return new SnapshotWriterOptions(rowGroupBytes, value, zstdLevel);
  }

  public SnapshotWriterOptions withZstdLevel(int value) {
    return new SnapshotWriterOptions(rowGroupBytes, pageBytes, value);
  }
}
