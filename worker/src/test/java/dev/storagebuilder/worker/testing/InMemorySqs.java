package dev.storagebuilder.worker.testing;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The SQS semantics the message lifecycle depends on, in memory: every receive counts toward the
 * redrive policy ({@code maxReceiveCount}, then the queue moves the message to its DLQ on the next
 * receive), a received message is invisible until its visibility deadline, a receipt handle is
 * valid for one delivery only, a postponed message is a fresh copy (receive count 0). Time comes
 * from {@code nanoTime}, so a test can drive it with {@link ManualScheduler#nanoTime()}; the long
 * poll waits in real time.
 */
public final class InMemorySqs implements MessageSource, Acknowledger {
  private record Stored(String id, String body, int receives) {}

  private record InFlight(Stored message, long deadlineNanos) {}

  private final Duration visibility;
  private final int maxReceiveCount;
  private final LongSupplier nanoTime;
  private final AtomicLong deliveries = new AtomicLong();
  private final LinkedBlockingQueue<Stored> visible = new LinkedBlockingQueue<>();
  /** By receipt handle. */
  private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
  private final List<String> redriven = new CopyOnWriteArrayList<>();
  private final List<String> lapsed = new CopyOnWriteArrayList<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  public InMemorySqs(Duration visibility, int maxReceiveCount, LongSupplier nanoTime) {
    this.visibility = visibility;
    this.maxReceiveCount = maxReceiveCount;
    this.nanoTime = nanoTime;
  }

  public void send(String id, String body) {
    visible.add(new Stored(id, body, 0));
  }

  /** Messages the redrive policy moved to the DLQ (received more than {@code maxReceiveCount} times). */
  public List<String> redriven() {
    return List.copyOf(redriven);
  }

  /** Messages whose visibility ran out while received (SQS made them visible again). */
  public List<String> lapsed() {
    sweep();
    return List.copyOf(lapsed);
  }

  /** Acknowledgements as lines: {@code postpone m1}, {@code retry m1 PT0S}, {@code delete m1}, ... */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  /** Whether {@code id} is received and still invisible. */
  public boolean isInFlight(String id) {
    sweep();
    return inFlight.values().stream().anyMatch(held -> held.message().id().equals(id));
  }

  private synchronized void sweep() {
    long now = nanoTime.getAsLong();
    inFlight.entrySet().removeIf(entry -> {
      if (now >= entry.getValue().deadlineNanos()) {
        lapsed.add(entry.getValue().message().id());
        visible.add(entry.getValue().message());
        return true;
      }
      return false;
    });
  }

  @Override
  public List<ReceivedMessage> receive(int max, Duration wait) {
    sweep();
    List<ReceivedMessage> received = new ArrayList<>();
    try {
      Stored first = visible.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      List<Stored> batch = new ArrayList<>();
      if (first != null) {
        batch.add(first);
        visible.drainTo(batch, max - 1);
      }
      for (Stored stored : batch) {
        if (stored.receives() >= maxReceiveCount) {
          redriven.add(stored.id());
          continue;
        }
        Stored delivered = new Stored(stored.id(), stored.body(), stored.receives() + 1);
        String handle = delivered.id() + "#" + deliveries.incrementAndGet();
        inFlight.put(handle, new InFlight(delivered, nanoTime.getAsLong() + visibility.toNanos()));
        received.add(new ReceivedMessage(delivered.id(), delivered.body(), handle, delivered.receives(), Map.of(),
            Instant.EPOCH));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return received;
  }

  @Override
  public void delete(ReceivedMessage message) {
    calls.add("delete " + message.messageId());
    inFlight.remove(message.handle());
  }

  @Override
  public void retryAfter(ReceivedMessage message, Duration delay) {
    calls.add("retry " + message.messageId() + " " + delay);
    InFlight held = inFlight.remove(message.handle());
    if (held != null) {
      if (delay.isZero()) {
        visible.add(held.message());
      } else {
        inFlight.put(message.handle(), new InFlight(held.message(), nanoTime.getAsLong() + delay.toNanos()));
      }
    }
  }

  @Override
  public void extend(ReceivedMessage message, Duration by) {
    sweep();
    InFlight held = inFlight.get(message.handle());
    if (held == null) {
      calls.add("extend-failed " + message.messageId());
      throw new IllegalStateException("message " + message.messageId() + " is not in flight under this receipt handle");
    }
    calls.add("extend " + message.messageId());
    inFlight.put(message.handle(), new InFlight(held.message(), nanoTime.getAsLong() + by.toNanos()));
  }

  /** A fresh copy (receive count 0), visible at once whatever the delay: tests drive time by hand. */
  @Override
  public void postpone(ReceivedMessage message, Duration delay) {
    calls.add("postpone " + message.messageId());
    inFlight.remove(message.handle());
    visible.add(new Stored(message.messageId(), message.body(), 0));
  }

  @Override
  public void deadLetter(ReceivedMessage message, String reasonCode, String detail) {
    calls.add("dead-letter " + message.messageId() + " " + reasonCode);
    inFlight.remove(message.handle());
  }
}
