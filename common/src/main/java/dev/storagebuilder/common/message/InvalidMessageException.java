package dev.storagebuilder.common.message;

/**
 * A message that can never be processed, whatever is retried: it goes to the dead-letter queue on
 * first receive with {@link #reason()} and a human-readable detail.
 */
public final class InvalidMessageException extends Exception {
  /** Why a message was rejected; the code is what the DLQ tools group and filter by. */
  public enum Reason {
    MALFORMED_JSON("malformed-json"),
    UNKNOWN_SCHEMA_VERSION("unknown-schema-version"),
    MISSING_FIELD("missing-field"),
    INVALID_FIELD("invalid-field"),
    OVERSIZED("oversized"),
    UNKNOWN_CLIENT("unknown-client"),
    UNKNOWN_TARGET("unknown-target");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public InvalidMessageException(Reason reason, String detail) {
    super(detail);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
