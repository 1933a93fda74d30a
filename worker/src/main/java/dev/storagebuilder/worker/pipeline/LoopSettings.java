package dev.storagebuilder.worker.pipeline;

import java.time.Duration;

/**
 * How the worker pulls work.
 *
 * @param concurrency targets processed at once by this worker (each holds one source connection and
 *     its writer's buffers, so it is also the memory multiplier)
 * @param receiveWait long-poll wait per receive call (SQS allows up to 20 s)
 * @param shutdownGrace how long in-flight targets may run on after a stop request (ECS
 *     {@code stopTimeout} must exceed it by the stop's bounded waits after it: up to 10 s for
 *     ledger writes, up to 10 s for the last deletes)
 * @param releaseMargin how long before the grace ends the targets still running are released
 *     (visibility 0) so another worker takes them at once instead of after a visibility timeout
 * @param receiveAhead messages received beyond the free target slots, so a slot that frees starts its
 *     next target at once instead of after a receive round trip (short targets: incremental syncs,
 *     small clients). Each waits at most half its visibility timeout before it goes back.
 */
public record LoopSettings(
    int concurrency, Duration receiveWait, Duration shutdownGrace, Duration releaseMargin, int receiveAhead) {
  public static final int DEFAULT_CONCURRENCY = 2;
  public static final Duration DEFAULT_RECEIVE_WAIT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RELEASE_MARGIN = Duration.ofSeconds(5);

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
    if (releaseMargin.isNegative() || releaseMargin.compareTo(shutdownGrace) > 0) {
      throw new IllegalArgumentException(
          "worker.shutdown-release-margin must be 0..worker.shutdown-grace (" + shutdownGrace + "), got " + releaseMargin);
    }
    if (receiveAhead < 0 || receiveAhead > 64) {
      throw new IllegalArgumentException("worker.receive-ahead must be 0..64, got " + receiveAhead);
    }
  }

  /** Without receive-ahead: a message is received only when a slot is free to run it. */
  public LoopSettings(int concurrency, Duration receiveWait, Duration shutdownGrace, Duration releaseMargin) {
    this(concurrency, receiveWait, shutdownGrace, releaseMargin, 0);
  }

  public LoopSettings(int concurrency, Duration receiveWait, Duration shutdownGrace) {
    this(concurrency, receiveWait, shutdownGrace, defaultReleaseMargin(shutdownGrace));
  }

  /** The default margin, or half the grace when the grace is shorter than twice the default. */
  public static Duration defaultReleaseMargin(Duration shutdownGrace) {
    Duration half = shutdownGrace.dividedBy(2);
    return half.compareTo(DEFAULT_RELEASE_MARGIN) < 0 ? half : DEFAULT_RELEASE_MARGIN;
  }
}
