package dev.storagebuilder.producer.testing;

import dev.storagebuilder.producer.dlq.DeadLetterQueue;
import dev.storagebuilder.producer.dlq.DlqMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DLQ with SQS's receive semantics that matter here: a receive with a visibility timeout hides a
 * message until it is released or deleted (holds never lapse in this fake), each receive issues a
 * new receipt handle and only the newest is valid.
 */
public final class FakeDeadLetterQueue implements DeadLetterQueue {
  private final Map<String, Stored> messages = new LinkedHashMap<>();
  private int handles;
  public int receives;
  public final List<MoveTask> tasks = new ArrayList<>();
  /** Runs once, after the next receive has hidden its messages and outside the fake's lock: a walk caught midway. */
  public final AtomicReference<Runnable> afterNextReceive = new AtomicReference<>();

  private static final class Stored {
    final DlqMessage message;
    boolean hidden;
    String handle;

    Stored(DlqMessage message) {
      this.message = message;
    }
  }

  public void put(String id, String body, String reason, Instant sentAt) {
    messages.put(
        id,
        new Stored(
            DlqMessage.of(
                id, null, body, reason, reason == null ? null : "detail of " + id, sentAt, 1)));
  }

  public List<String> ids() {
    return List.copyOf(messages.keySet());
  }

  public long visibleCount() {
    return messages.values().stream().filter(s -> !s.hidden).count();
  }

  @Override
  public List<DlqMessage> receive(int max, Duration visibility, Duration wait) {
    List<DlqMessage> received = hide(max, visibility);
    Runnable hook = afterNextReceive.getAndSet(null);
    if (hook != null) {
      hook.run();
    }
    return received;
  }

  private synchronized List<DlqMessage> hide(int max, Duration visibility) {
    receives++;
    List<DlqMessage> out = new ArrayList<>();
    for (Stored stored : messages.values()) {
      if (out.size() == max) {
        break;
      }
      if (!stored.hidden) {
        stored.handle = "h" + (++handles);
        stored.hidden = !visibility.isZero();
        out.add(stored.message.withReceiptHandle(stored.handle));
      }
    }
    return out;
  }

  @Override
  public synchronized void release(Collection<String> receiptHandles) {
    for (Stored stored : messages.values()) {
      if (receiptHandles.contains(stored.handle)) {
        stored.hidden = false;
      }
    }
  }

  @Override
  public synchronized List<String> delete(Collection<String> receiptHandles) {
    List<String> failed = new ArrayList<>(receiptHandles);
    messages
        .values()
        .removeIf(
            stored -> {
              boolean match = receiptHandles.contains(stored.handle);
              if (match) {
                failed.remove(stored.handle);
              }
              return match;
            });
    return failed;
  }

  @Override
  public Depth depth() {
    return new Depth(visibleCount(), messages.size() - visibleCount());
  }

  @Override
  public MoveTask startMoveToWorkQueue() {
    MoveTask task =
        new MoveTask(
            "task-" + (tasks.size() + 1),
            "RUNNING",
            0,
            (long) messages.size(),
            null,
            Instant.EPOCH);
    tasks.add(0, task);
    return task;
  }

  @Override
  public List<MoveTask> moveTasks() {
    return List.copyOf(tasks);
  }
}
