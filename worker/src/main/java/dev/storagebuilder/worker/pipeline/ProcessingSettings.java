package dev.storagebuilder.worker.pipeline;

import java.time.Duration;

/**
 * The pipeline's knobs, validated at construction.
 *
 * @param maxReceiveCount deliveries before a retryable failure is given up and dead-lettered by the
 *     worker itself (so the reason travels with it); the queue's redrive policy should be equal or
 *     higher and is only the backstop for crashes
 * @param retryBaseDelay visibility delay after the first failed delivery; doubles per delivery
 * @param retryMaxDelay cap on that delay
 */
public record ProcessingSettings(int maxReceiveCount, Duration retryBaseDelay, Duration retryMaxDelay) {
  public static final int DEFAULT_MAX_RECEIVE_COUNT = 5;
  public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofSeconds(5);
  public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofMinutes(5);

  public ProcessingSettings {
    if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new IllegalArgumentException("worker.max-receive-count must be 1..1000, got " + maxReceiveCount);
    }
    if (retryBaseDelay.isNegative() || retryMaxDelay.compareTo(retryBaseDelay) < 0) {
      throw new IllegalArgumentException(
          "worker.retry-base-delay must be >= 0 and <= worker.retry-max-delay, got "
              + retryBaseDelay + " / " + retryMaxDelay);
    }
    if (retryMaxDelay.compareTo(Duration.ofHours(12)) > 0) {
      throw new IllegalArgumentException("worker.retry-max-delay must be <= 12h (the SQS visibility limit)");
    }
  }

  public static ProcessingSettings defaults() {
    return new ProcessingSettings(DEFAULT_MAX_RECEIVE_COUNT, DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY);
  }

  /** Exponential backoff by delivery count: base, 2x base, 4x base, ... capped. */
  public Duration retryDelay(int receiveCount) {
    int doublings = Math.max(0, Math.min(receiveCount - 1, 30));
    long millis = retryBaseDelay.toMillis() << doublings;
    return millis < 0 || millis > retryMaxDelay.toMillis() ? retryMaxDelay : Duration.ofMillis(millis);
  }
}
