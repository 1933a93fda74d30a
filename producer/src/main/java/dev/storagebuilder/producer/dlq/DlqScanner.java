package dev.storagebuilder.producer.dlq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

  /** Must outlast the longest walk: its receives ({@link #RECEIVE_WINDOW}) and the work after them. */
  static final Duration HOLD = Duration.ofMinutes(2);

  /**
   * A walk stops receiving this long after its first receive, done or not, and says it is not
   * complete. The scan limit alone did not bound it: up to 100,000 messages at 10 a receive take
   * longer than the hold, and once the first holds lapsed the walk received them again and again,
   * never finding the queue empty (a walk of a DLQ larger than it could hold never ended, and every
   * other walk waited behind it). Half the hold leaves the other half for the work after it.
   */
  static final Duration RECEIVE_WINDOW = HOLD.dividedBy(2);

  private final DeadLetterQueue dlq;
  private final Duration wait;
  private final Clock clock;

  /**
   * @param wait how long an empty receive waits before the walk concludes the queue has nothing
   *     more visible; a long poll asks every SQS server, so one empty answer is conclusive
   */
  DlqScanner(DeadLetterQueue dlq, Duration wait, Clock clock) {
    this.dlq = dlq;
    this.wait = wait;
    this.clock = clock;
  }

  /** What a walk does with the messages it holds. */
  @FunctionalInterface
  interface Walk<T> {
    /**
     * @param held up to the walk's limit of messages
     * @param complete whether the walk saw the DLQ empty of visible messages at its end; false when
     *     it stopped at its limit or its {@link #RECEIVE_WINDOW}
     * @param deleted ids of held messages this walk deleted: they are not released afterwards
     */
    T apply(List<DlqMessage> held, boolean complete, Set<String> deleted);
  }

  /**
   * Holds up to {@code limit} messages, hands them to {@code work}, then releases every one it did
   * not delete; waits while another walk of this process is under way.
   */
  <T> T walk(int limit, Walk<T> work) {
    WALKS.lock();
    try {
      Held held = holdAll(limit);
      Set<String> deleted = new HashSet<>();
      try {
        return work.apply(held.messages(), held.complete(), deleted);
      } finally {
        release(held.messages().stream().filter(m -> !deleted.contains(m.messageId())).toList());
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

  private record Held(List<DlqMessage> messages, boolean complete) {}

  private Held holdAll(int limit) {
    Map<String, DlqMessage> held = new LinkedHashMap<>();
    Instant stopAt = clock.instant().plus(RECEIVE_WINDOW);
    boolean complete = false;
    try {
      while (held.size() < limit && clock.instant().isBefore(stopAt)) {
        List<DlqMessage> batch = dlq.receive(Math.min(10, limit - held.size()), HOLD, wait);
        if (batch.isEmpty()) {
          complete = true;
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
    return new Held(new ArrayList<>(held.values()), complete);
  }

  private void release(Collection<DlqMessage> messages) {
    if (!messages.isEmpty()) {
      dlq.release(messages.stream().map(DlqMessage::receiptHandle).toList());
    }
  }
}
