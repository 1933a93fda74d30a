package dev.storagebuilder.common.snapshot;

/**
 * A stored manifest or snapshot object that this build cannot read: an unknown schema version, a
 * file whose columns do not match its manifest, a truncated or foreign file. Permanent for this
 * build.
 */
public final class SnapshotFormatException extends RuntimeException {
  public SnapshotFormatException(String message) {
    super(message);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
