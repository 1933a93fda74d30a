package dev.storagebuilder.worker.pipeline;

import java.time.Duration;

/**
 * How the worker pulls work.
 *
 * @param concurrency targets processed at once by this worker (each holds one source connection and
 *     its writer's buffers, so it is also the memory multiplier)
 * @param receiveWait long-poll wait per receive call (SQS allows up to 20 s)
 * @param shutdownGrace how long in-flight targets may run on after a stop request
 */
public record LoopSettings(int concurrency, Duration receiveWait, Duration shutdownGrace) {
  public static final int DEFAULT_CONCURRENCY = 2;
  public static final Duration DEFAULT_RECEIVE_WAIT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

  public LoopSettings {
    if (concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException("worker.concurrency must be 1..64, got " + concurrency);
    }
    if (receiveWait.isNegative() || receiveWait.compareTo(Duration.ofSeconds(20)) > 0) {
      throw new IllegalArgumentException("worker.receive-wait must be 0..20s (the SQS long-poll limit), got " + receiveWait);
    }
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("worker.shutdown-grace must be >= 0, got " + shutdownGrace);
    }
  }
}
