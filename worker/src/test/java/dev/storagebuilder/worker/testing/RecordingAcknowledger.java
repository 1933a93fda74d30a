package dev.storagebuilder.worker.testing;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Records every acknowledgement as a line ({@code delete m1}, {@code extend m1 PT30S}, ...). */
public final class RecordingAcknowledger implements Acknowledger {
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile Predicate<ReceivedMessage> extendFails = m -> false;
  private volatile Predicate<ReceivedMessage> retryFails = m -> false;
  private volatile Predicate<ReceivedMessage> extendThrottled = m -> false;

  /** What a throttled or unavailable queue answers: the call may get through if tried again. */
  public static final class QueueThrottled extends RuntimeException {
    QueueThrottled() {
      super("throttled");
    }
  }
  private final AtomicInteger flushes = new AtomicInteger();

  public List<String> calls() {
    return List.copyOf(calls);
  }

  /** How often {@link #flush} was called (not a line in {@link #calls}). */
  public int flushes() {
    return flushes.get();
  }

  @Override
  public void flush() {
    flushes.incrementAndGet();
  }

  public void failExtendWhen(Predicate<ReceivedMessage> condition) {
    extendFails = condition;
  }

  /** Extensions of matching messages fail with {@link QueueThrottled} ({@code extend-throttled m1}). */
  public void throttleExtendWhen(Predicate<ReceivedMessage> condition) {
    extendThrottled = condition;
  }

  public void failRetryWhen(Predicate<ReceivedMessage> condition) {
    retryFails = condition;
  }

  @Override
  public void delete(ReceivedMessage message) {
    calls.add("delete " + message.messageId());
  }

  @Override
  public void retryAfter(ReceivedMessage message, Duration delay) {
    if (retryFails.test(message)) {
      calls.add("retry-failed " + message.messageId());
      throw new IllegalStateException("queue unavailable");
    }
    calls.add("retry " + message.messageId() + " " + delay);
  }

  @Override
  public void extend(ReceivedMessage message, Duration visibility) {
    if (extendThrottled.test(message)) {
      calls.add("extend-throttled " + message.messageId());
      throw new QueueThrottled();
    }
    if (extendFails.test(message)) {
      calls.add("extend-failed " + message.messageId());
      throw new IllegalStateException("receipt handle is invalid");
    }
    calls.add("extend " + message.messageId() + " " + visibility);
  }

  @Override
  public void postpone(ReceivedMessage message, Duration delay) {
    calls.add("postpone " + message.messageId() + " " + delay);
  }

  @Override
  public void deadLetter(ReceivedMessage message, String reasonCode, String detail) {
    calls.add("dead-letter " + message.messageId() + " " + reasonCode);
  }
}
