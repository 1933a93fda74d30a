package dev.storagebuilder.producer.enqueue;

/** Metric names (Micrometer dots; Prometheus shows them with underscores and unit suffixes). */
public final class ProducerMetrics {
  /** Counter, tag {@code mode}: runs recorded in the ledger. */
  public static final String RUNS_STARTED = "storage_builder.runs.started";

  /** Counter: target messages on the work queue. */
  public static final String MESSAGES_ENQUEUED = "storage_builder.messages.enqueued";

  /** Counter: target messages that could not be sent. */
  public static final String MESSAGES_ENQUEUE_FAILED = "storage_builder.messages.enqueue.failed";

  /** Timer: recording a run and sending its messages. */
  public static final String ENQUEUE_DURATION = "storage_builder.enqueue.duration";

  private ProducerMetrics() {}
}
