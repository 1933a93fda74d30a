package dev.storagebuilder.producer.dlq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Walks the DLQ by receiving every message and holding it invisible until the walk is over, so each
 * message is seen once. SQS has no "list": receiving is the only way to read a queue, and a message
 * released during the walk would be received again and again. {@link #walk} releases every held
 * message its work did not delete.
 *
 * <p>Walks take turns ({@link #walk}): two at once would each see only what the other was not
 * holding, so a dry run taken while the dashboard counted the DLQ reported "would move 0". Across
 * producers nothing orders them; one producer runs at a time.
 */
final class DlqScanner {
  /** One walk at a time in this process (the producer has one DLQ); fair, so a poll cannot starve a redrive. */
  private static final ReentrantLock WALKS = new ReentrantLock(true);

  /** Must outlast the longest walk (scanLimit / 10 receives of ~40 ms, plus the work after it). */
  static final Duration HOLD = Duration.ofMinutes(2);

  private final DeadLetterQueue dlq;
  private final Duration wait;

  /**
   * @param wait how long an empty receive waits before the walk concludes the queue has nothing
   *     more visible; a long poll asks every SQS server, so one empty answer is conclusive
   */
  DlqScanner(DeadLetterQueue dlq, Duration wait) {
    this.dlq = dlq;
    this.wait = wait;
  }

  /** What a walk does with the messages it holds. */
  @FunctionalInterface
  interface Walk<T> {
    /**
     * @param held up to the walk's limit of messages; exactly the limit may not be the whole DLQ
     * @param deleted ids of held messages this walk deleted: they are not released afterwards
     */
    T apply(List<DlqMessage> held, Set<String> deleted);
  }

  /**
   * Holds up to {@code limit} messages, hands them to {@code work}, then releases every one it did
   * not delete; waits while another walk of this process is under way.
   */
  <T> T walk(int limit, Walk<T> work) {
    WALKS.lock();
    try {
      List<DlqMessage> held = holdAll(limit);
      Set<String> deleted = new HashSet<>();
      try {
        return work.apply(held, deleted);
      } finally {
        release(held.stream().filter(m -> !deleted.contains(m.messageId())).toList());
      }
    } finally {
      WALKS.unlock();
    }
  }

  /**
   * Runs {@code action} in this process's turn for walks, waiting for it like {@link #walk}; a walk
   * inside it takes the same turn. Lets a caller act when its turn has come, before it walks.
   */
  <T> T exclusively(Supplier<T> action) {
    WALKS.lock();
    try {
      return action.get();
    } finally {
      WALKS.unlock();
    }
  }

  private List<DlqMessage> holdAll(int limit) {
    Map<String, DlqMessage> held = new LinkedHashMap<>();
    try {
      while (held.size() < limit) {
        List<DlqMessage> batch = dlq.receive(Math.min(10, limit - held.size()), HOLD, wait);
        if (batch.isEmpty()) {
          break;
        }
        for (DlqMessage message : batch) {
          // A repeat means its hold lapsed: only the newest receipt handle is valid.
          held.put(message.messageId(), message);
        }
      }
    } catch (RuntimeException e) {
      release(held.values());
      throw e;
    }
    return new ArrayList<>(held.values());
  }

  private void release(Collection<DlqMessage> messages) {
    if (!messages.isEmpty()) {
      dlq.release(messages.stream().map(DlqMessage::receiptHandle).toList());
    }
  }
}
