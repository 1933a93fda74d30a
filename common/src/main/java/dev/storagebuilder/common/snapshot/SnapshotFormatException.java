package dev.storagebuilder.common.snapshot;

/**
 * A stored manifest or snapshot object that this build cannot read: an unknown schema version, a
 * file whose columns do not match its manifest, a truncated or foreign file. Permanent for this
 * build.
 */
public final class SnapshotFormatException extends RuntimeException {
  private final boolean newerThanThisBuild;

  public SnapshotFormatException(String message) {
    this(message, null, false);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private SnapshotFormatException(String message, Throwable cause, boolean newerThanThisBuild) {
    super(message, cause);
    this.newerThanThisBuild = newerThanThisBuild;
  }

  /** The object is of a format version a later release writes. */
  public static SnapshotFormatException newerThanThisBuild(String message) {
    return new SnapshotFormatException(message, null, true);
  }

  /**
   * Whether a later release wrote the object: permanent for this build, but during a rolling
   * deployment a task of the new release can read it, so a worker retries rather than giving up.
   */
  public boolean newerThanThisBuild() {
    return newerThanThisBuild;
  }
}
