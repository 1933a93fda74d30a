package dev.storagebuilder.producer.dlq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the DLQ by receiving every message and holding it invisible until the walk is over, so each
 * message is seen once. SQS has no "list": receiving is the only way to read a queue, and a message
 * released during the walk would be received again and again. Whoever holds the messages must
 * delete or {@link #release} each of them.
 */
final class DlqScanner {
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

  /**
   * Holds up to {@code limit} messages; a result of exactly {@code limit} may not be the whole DLQ.
   */
  List<DlqMessage> holdAll(int limit) {
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

  void release(Collection<DlqMessage> messages) {
    if (!messages.isEmpty()) {
      dlq.release(messages.stream().map(DlqMessage::receiptHandle).toList());
    }
  }
}
