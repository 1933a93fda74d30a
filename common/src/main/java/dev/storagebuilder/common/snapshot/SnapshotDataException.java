package dev.storagebuilder.common.snapshot;

/**
 * Source data that cannot be serialized as declared: a null in a NOT NULL column, a decimal that
 * does not fit its precision or scale, a value of the wrong Java type, a date or timestamp outside
 * the format's range, a MariaDB/MySQL zero date. Permanent: reading the same rows again fails the
 * same way. The message names the target, the column and the value.
 */
public final class SnapshotDataException extends RuntimeException {
  public SnapshotDataException(String message) {
    super(message);
  }

  public SnapshotDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
