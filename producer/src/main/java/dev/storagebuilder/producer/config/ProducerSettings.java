package dev.storagebuilder.producer.config;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.common.target.SourceLocation;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the producer is configured with, checked once at startup. Each rejection names the
 * property to fix. {@link ProducerSettingsFactory} maps properties and environment variables onto
 * it.
 *
 * @param enqueueConcurrency SendMessageBatch calls in flight while a run is enqueued
 * @param fairQueueGroupIds set each message's MessageGroupId to its client id, so an SQS fair queue
 *     keeps one tenant's backlog from delaying the others (off by default: not every emulator keeps
 *     it)
 * @param maxScopeTargets the most targets one run may have; bigger requests are refused
 * @param sourcePoolSize connections to the source database (the producer only lists clients)
 * @param sourceConnectionTimeout how long a request waits for a source connection before failing
 * @param dlqScanLimit the most DLQ messages a stats walk or filtered redrive reads at once
 * @param dlqScanWait how long a DLQ walk's last, empty receive waits before concluding (a long
 *     poll)
 */
public record ProducerSettings(
    AwsSettings aws,
    SourceLocation source,
    int enqueueConcurrency,
    boolean fairQueueGroupIds,
    int maxScopeTargets,
    int sourcePoolSize,
    Duration sourceConnectionTimeout,
    int dlqScanLimit,
    Duration dlqScanWait) {

  public static final int DEFAULT_ENQUEUE_CONCURRENCY = 8;
  public static final int MAX_ENQUEUE_CONCURRENCY = 64;
  public static final boolean DEFAULT_FAIR_QUEUE_GROUP_IDS = false;
  public static final int DEFAULT_MAX_SCOPE_TARGETS = 100_000;
  public static final int MAX_MAX_SCOPE_TARGETS = 1_000_000;
  public static final int DEFAULT_SOURCE_POOL_SIZE = 2;
  public static final int MAX_SOURCE_POOL_SIZE = 16;
  public static final Duration DEFAULT_SOURCE_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_DLQ_SCAN_LIMIT = 10_000;
  public static final int MAX_DLQ_SCAN_LIMIT = 100_000;
  public static final Duration DEFAULT_DLQ_SCAN_WAIT = Duration.ofSeconds(1);

  public ProducerSettings {
    Objects.requireNonNull(aws, "aws settings");
    Objects.requireNonNull(source, "source location");
    requireRange(
        ProducerSettingsFactory.ENQUEUE_CONCURRENCY,
        enqueueConcurrency,
        1,
        MAX_ENQUEUE_CONCURRENCY);
    requireRange(
        ProducerSettingsFactory.MAX_SCOPE_TARGETS, maxScopeTargets, 1, MAX_MAX_SCOPE_TARGETS);
    requireRange(ProducerSettingsFactory.SOURCE_POOL_SIZE, sourcePoolSize, 1, MAX_SOURCE_POOL_SIZE);
    requireRange(ProducerSettingsFactory.DLQ_SCAN_LIMIT, dlqScanLimit, 10, MAX_DLQ_SCAN_LIMIT);
    // Hikari refuses less than 250 ms.
    requireRange(
        ProducerSettingsFactory.SOURCE_CONNECTION_TIMEOUT,
        sourceConnectionTimeout,
        Duration.ofMillis(250),
        Duration.ofMinutes(1));
    // SQS long polls last at most 20 s, in whole seconds.
    requireRange(
        ProducerSettingsFactory.DLQ_SCAN_WAIT, dlqScanWait, Duration.ZERO, Duration.ofSeconds(20));
    if (dlqScanWait.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          ProducerSettingsFactory.DLQ_SCAN_WAIT
              + " must be whole seconds (an SQS wait time), got "
              + dlqScanWait);
    }
  }

  /** The defaults, for a source and AWS settings. */
  public static ProducerSettings defaults(AwsSettings aws, SourceLocation source) {
    return new ProducerSettings(
        aws,
        source,
        DEFAULT_ENQUEUE_CONCURRENCY,
        DEFAULT_FAIR_QUEUE_GROUP_IDS,
        DEFAULT_MAX_SCOPE_TARGETS,
        DEFAULT_SOURCE_POOL_SIZE,
        DEFAULT_SOURCE_CONNECTION_TIMEOUT,
        DEFAULT_DLQ_SCAN_LIMIT,
        DEFAULT_DLQ_SCAN_WAIT);
  }

  private static void requireRange(String setting, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          setting + " must be " + min + ".." + max + ", got " + value);
    }
  }

  private static void requireRange(String setting, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          setting
              + " must be between "
              + DurationText.format(min)
              + " and "
              + DurationText.format(max)
              + ", got "
              + (value == null ? "nothing" : DurationText.format(value)));
    }
  }
}
