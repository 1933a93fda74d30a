package dev.storagebuilder.worker.pipeline;

/**
 * Where a build's time went on the target's thread, the path every row takes: reading, encoding
 * and uploading overlap on other threads, so each share is what that stage held the build up.
 *
 * @param databaseNanos opening and closing the read, and waiting for rows the reader had not fetched yet
 * @param serializeNanos the rest: encoding rows into column pages, hashes, the key index
 * @param compressNanos compressing pages (ZSTD)
 * @param uploadNanos waiting on the store: for a free part slot, for the file, its key index and the manifest
 */
public record BuildSplit(long databaseNanos, long serializeNanos, long compressNanos, long uploadNanos) {
  /** A build that did not measure its stages (a delta, or nothing changed). */
  public static final BuildSplit NONE = new BuildSplit(0, 0, 0, 0);

  /** Splits {@code totalNanos}: serialize is what the other three leave of it. */
  static BuildSplit of(long totalNanos, long databaseNanos, long compressNanos, long uploadNanos) {
    long serialize = Math.max(0, totalNanos - databaseNanos - compressNanos - uploadNanos);
    return new BuildSplit(databaseNanos, serialize, compressNanos, uploadNanos);
  }

  /** {@code database:12,serialize:340,compress:40,upload:25}, in milliseconds. */
  @Override
  public String toString() {
    return "database:" + databaseNanos / 1_000_000 + ",serialize:" + serializeNanos / 1_000_000
        + ",compress:" + compressNanos / 1_000_000 + ",upload:" + uploadNanos / 1_000_000;
  }
}
