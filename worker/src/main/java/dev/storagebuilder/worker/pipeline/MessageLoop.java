package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receive → dispatch → process → acknowledge. Receives only as many messages as it has free slots,
 * so a message never waits in this process while its visibility timeout runs down.
 */
public final class MessageLoop {
  private static final Logger log = LoggerFactory.getLogger(MessageLoop.class);
  private static final int SQS_MAX_BATCH = 10;

  private final MessageSource source;
  private final Acknowledger acknowledger;
  private final TargetProcessor processor;
  private final LoopSettings settings;
  private final ProcessingSettings processing;
  private final Semaphore slots;
  private final ExecutorService workers;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LoopListener listener;
  private Thread receiver;

  /** Hooks for metrics and tests; every method has a no-op default. */
  public interface LoopListener {
    default void received(int count) {}

    default void finished(ReceivedMessage message, Outcome outcome, Duration took) {}

    default void receiveFailed(RuntimeException error) {}
  }

  public MessageLoop(
      MessageSource source,
      Acknowledger acknowledger,
      TargetProcessor processor,
      LoopSettings settings,
      ProcessingSettings processing,
      LoopListener listener) {
    this.source = source;
    this.acknowledger = acknowledger;
    this.processor = processor;
    this.settings = settings;
    this.processing = processing;
    this.listener = listener;
    this.slots = new Semaphore(settings.concurrency());
    this.workers =
        Executors.newFixedThreadPool(
            settings.concurrency(), Thread.ofPlatform().name("target-", 0).daemon(false).factory());
  }

  public synchronized void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    receiver = Thread.ofPlatform().name("receiver").start(this::receiveLoop);
  }

  public int inFlight() {
    return inFlight.get();
  }

  public boolean isRunning() {
    return running.get();
  }

  private void receiveLoop() {
    while (running.get()) {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      int free = 1 + slots.drainPermits();
      List<ReceivedMessage> messages;
      try {
        messages = running.get() ? source.receive(Math.min(free, SQS_MAX_BATCH), settings.receiveWait()) : List.of();
      } catch (RuntimeException e) {
        slots.release(free);
        listener.receiveFailed(e);
        log.warn("receive failed: {}", e.toString());
        pauseAfterReceiveFailure();
        continue;
      }
      listener.received(messages.size());
      slots.release(free - messages.size());
      for (ReceivedMessage message : messages) {
        inFlight.incrementAndGet();
        workers.execute(() -> handle(message));
      }
    }
  }

  private void pauseAfterReceiveFailure() {
    // A queue outage must not turn into a hot loop; the SDK has already retried this call.
    try {
      TimeUnit.SECONDS.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(ReceivedMessage message) {
    long start = System.nanoTime();
    Outcome outcome;
    try {
      outcome = processor.process(message);
      acknowledge(message, outcome);
    } catch (RuntimeException e) {
      // The processor maps every failure to an outcome; reaching here means the acknowledgement
      // failed. The message becomes visible again when its timeout runs out, so nothing is lost.
      log.warn("acknowledging message {} failed: {}", message.messageId(), e.toString());
      outcome = new Outcome.RetryLater(e.toString());
    } finally {
      inFlight.decrementAndGet();
      slots.release();
    }
    listener.finished(message, outcome, Duration.ofNanos(System.nanoTime() - start));
  }

  private void acknowledge(ReceivedMessage message, Outcome outcome) {
    switch (outcome) {
      case Outcome.Done done -> acknowledger.delete(message);
      case Outcome.RetryLater retry ->
          acknowledger.retryAfter(message, processing.retryDelay(message.receiveCount()));
      case Outcome.Reject reject -> acknowledger.deadLetter(message, reject.reasonCode(), reject.detail());
    }
  }

  /**
   * Stops receiving, lets in-flight targets finish within the grace period, then returns. Returns
   * true when nothing was left running.
   */
  public boolean stop() {
    if (!running.compareAndSet(true, false)) {
      return true;
    }
    if (receiver != null) {
      receiver.interrupt();
    }
    workers.shutdown();
    try {
      boolean drained = workers.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
      if (!drained) {
        log.warn("{} targets still running after the shutdown grace; their messages will be redelivered", inFlight.get());
        workers.shutdownNow();
      }
      return drained;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
      return false;
    }
  }
}
