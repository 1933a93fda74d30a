package dev.storagebuilder.producer.dlq;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** The dead-letter queue, as the DLQ tools need it. */
public interface DeadLetterQueue {
  /**
   * Receives up to {@code max} (1..10) messages with their attributes, hiding them for {@code
   * visibility} (zero: a peek that leaves them visible); waits up to {@code wait} for the first.
   */
  List<DlqMessage> receive(int max, Duration visibility, Duration wait);

  /** Makes received messages visible again at once. Best effort: a failure only delays them. */
  void release(Collection<String> receiptHandles);

  /** Deletes received messages; returns the handles that could not be deleted. */
  List<String> delete(Collection<String> receiptHandles);

  Depth depth();

  /** Starts the queue service's own move of every message back to the work queue. */
  MoveTask startMoveToWorkQueue();

  /** The move tasks of this DLQ, most recent first. */
  List<MoveTask> moveTasks();

  /** Approximate counts, as SQS reports them. */
  record Depth(long visible, long notVisible) {}

  /**
   * @param status RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED (SQS's values)
   * @param toMove null when unknown
   */
  record MoveTask(
      String taskHandle,
      String status,
      long moved,
      Long toMove,
      String failureReason,
      Instant startedAt) {}
}
