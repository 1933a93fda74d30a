package dev.storagebuilder.producer;

/**
 * A request the caller must change before it can succeed: answered 400 with {@link #getMessage()}.
 */
public final class InvalidRequestException extends RuntimeException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
