package dev.storagebuilder.aws.s3;

/**
 * How {@link S3ObjectStore} streams objects. A streaming upload holds at most {@code
 * (maxPartsInFlight + 1) x partSize} bytes: the part being filled plus those being sent.
 *
 * @param partSize bytes per multipart part; S3 needs >= 5 MiB for every part but the last, and an
 *     object has at most 10,000 parts (so 8 MiB parts cap an object at ~78 GiB)
 * @param maxPartsInFlight parts uploaded concurrently per object; {@code write()} blocks beyond it
 * @param readAheadBytes the range fetched by a small random read, so a reader's many small reads
 *     (Parquet pages, footers) cost one GET per window, not one per call
 */
public record S3StoreOptions(int partSize, int maxPartsInFlight, int readAheadBytes) {
  public static final int MIB = 1024 * 1024;

  /** S3's minimum size of every part but the last. */
  public static final int MIN_PART_SIZE = 5 * MIB;

  /** Our own cap: a part is one heap buffer. S3 allows up to 5 GiB. */
  public static final int MAX_PART_SIZE = 512 * MIB;

  public static final int DEFAULT_PART_SIZE = 8 * MIB;
  public static final int DEFAULT_MAX_PARTS_IN_FLIGHT = 2;
  public static final int DEFAULT_READ_AHEAD_BYTES = MIB;

  /** S3's limit on parts per multipart upload. */
  public static final int MAX_PARTS = 10_000;

  public S3StoreOptions {
    if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw new IllegalArgumentException(
          "s3.partSize must be "
              + MIN_PART_SIZE
              + ".."
              + MAX_PART_SIZE
              + " bytes (5-512 MiB; S3 rejects parts under 5 MiB), got "
              + partSize);
    }
    if (maxPartsInFlight < 1 || maxPartsInFlight > 16) {
      throw new IllegalArgumentException(
          "s3.maxPartsInFlight must be 1..16, got " + maxPartsInFlight);
    }
    if (readAheadBytes < 1 || readAheadBytes > 64 * MIB) {
      throw new IllegalArgumentException(
          "s3.readAheadBytes must be 1.." + 64 * MIB + ", got " + readAheadBytes);
    }
  }

  public static S3StoreOptions defaults() {
    return new S3StoreOptions(
        DEFAULT_PART_SIZE, DEFAULT_MAX_PARTS_IN_FLIGHT, DEFAULT_READ_AHEAD_BYTES);
  }

  public S3StoreOptions withPartSize(int bytes) {
    return new S3StoreOptions(bytes, maxPartsInFlight, readAheadBytes);
  }

  public S3StoreOptions withMaxPartsInFlight(int parts) {
    return new S3StoreOptions(partSize, parts, readAheadBytes);
  }

  public S3StoreOptions withReadAheadBytes(int bytes) {
    return new S3StoreOptions(partSize, maxPartsInFlight, bytes);
  }

  /** The most heap one streaming upload holds. */
  public long uploadMemoryBytes() {
    return (long) (maxPartsInFlight + 1) * partSize;
  }
}
