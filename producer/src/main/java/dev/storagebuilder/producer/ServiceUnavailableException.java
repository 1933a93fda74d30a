package dev.storagebuilder.producer;

/**
 * A dependency (source database, queue, ledger) did not answer: answered 503, the caller may retry.
 * The message names the dependency and must never carry credentials.
 */
public final class ServiceUnavailableException extends RuntimeException {
  public ServiceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
