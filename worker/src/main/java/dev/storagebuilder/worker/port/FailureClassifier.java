package dev.storagebuilder.worker.port;

/** The one place that decides whether a failure is worth retrying. */
public interface FailureClassifier {
  Failure classify(Throwable error);

  /**
   * @param retryable true when the same work may succeed later (network, throttling, timeouts)
   * @param reasonCode short stable code for the DLQ tools, e.g. {@code source-unavailable}
   */
  record Failure(boolean retryable, String reasonCode, String detail) {}
}
