package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.OpenReads;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receive → dispatch → process → acknowledge. Receives as many messages as it has free target slots
 * plus {@link LoopSettings#receiveAhead()}, so a slot that frees starts its next target without
 * waiting for a receive round trip. A message waiting for a slot goes back to the queue when a stop
 * begins (visibility 0), and when it has waited half its visibility timeout, on a timer, whether or
 * not a thread is free by then: postponed as a fresh copy, since a message that only ever waited
 * must not spend its deliveries toward the DLQ. So none waits out its visibility here. Every running
 * target's message is kept with a {@link LeaseKeeper} heartbeat.
 *
 * <p>While received-ahead messages still wait for a thread, the receiver lets freed slots accumulate
 * up to {@link #batchTarget} (half the receive-ahead) before it calls receive, so short targets cost
 * about 2 / receive-ahead ReceiveMessage calls each instead of one; the moment no message waits it
 * receives with whatever is free, so the worker does not run dry.
 */
public final class MessageLoop {
  private static final Logger log = LoggerFactory.getLogger(MessageLoop.class);
  private static final int SQS_MAX_BATCH = 10;
  private static final Duration PAUSE_POLL = Duration.ofMillis(250);
  /** A stop waits this long for successes being written (a batch lingers 50 ms, then one request). */
  private static final Duration RECORD_WAIT = Duration.ofSeconds(10);

  private final MessageSource source;
  private final Acknowledger acknowledger;
  private final TargetProcessor processor;
  private final LeaseKeeper leases;
  private final LoopSettings settings;
  private final ProcessingSettings processing;
  /** Messages in hand (running or waiting for a slot): concurrency + receive-ahead permits. */
  private final Semaphore slots;
  /** Signalled when slots are released and when a waiting target starts: the receiver's batching. */
  private final ReentrantLock roomLock = new ReentrantLock();
  private final Condition roomChanged = roomLock.newCondition();
  private final int batchTarget;
  private final Duration maxWaitForSlot;
  private final ThreadPoolExecutor workers;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Done targets whose success is still being written to the run ledger: their delete waits for it. */
  private final AtomicInteger recordsPending = new AtomicInteger();
  private final LoopListener listener;
  private final Backpressure backpressure;
  private final OpenReads reads;
  private volatile boolean polling;
  private boolean paused;
  private volatile Thread receiver;

  /** Hooks for metrics and tests; every method has a no-op default. */
  public interface LoopListener {
    default void received(int count) {}

    default void finished(ReceivedMessage message, Outcome outcome, Duration took) {}

    default void receiveFailed(RuntimeException error) {}

    /**
     * A message handed back to the queue without running (a stop, or it waited too long for a
     * thread): it is delivered again without delay. Every received message ends exactly once, in
     * this or in {@link #finished} (a running target released at a stop ends in finished).
     */
    default void released(ReceivedMessage message, String why) {}

    /** Receiving paused (true) or resumed (false) because of {@link Backpressure}. */
    default void pausedChanged(boolean paused, String reason) {}
  }

  public MessageLoop(
      MessageSource source,
      Acknowledger acknowledger,
      TargetProcessor processor,
      LeaseKeeper leases,
      LoopSettings settings,
      ProcessingSettings processing,
      LoopListener listener) {
    this(source, acknowledger, processor, leases, settings, processing, listener, Backpressure.NONE);
  }

  public MessageLoop(
      MessageSource source,
      Acknowledger acknowledger,
      TargetProcessor processor,
      LeaseKeeper leases,
      LoopSettings settings,
      ProcessingSettings processing,
      LoopListener listener,
      Backpressure backpressure) {
    this(source, acknowledger, processor, leases, settings, processing, listener, backpressure, OpenReads.NONE);
  }

  /**
   * @param reads the source reads a stop aborts when it releases the targets still running (no
   *     interrupt reaches a read blocked on a source that stopped answering)
   */
  public MessageLoop(
      MessageSource source,
      Acknowledger acknowledger,
      TargetProcessor processor,
      LeaseKeeper leases,
      LoopSettings settings,
      ProcessingSettings processing,
      LoopListener listener,
      Backpressure backpressure,
      OpenReads reads) {
    this.backpressure = backpressure;
    this.reads = reads;
    this.source = source;
    this.acknowledger = acknowledger;
    this.processor = processor;
    this.leases = leases;
    this.settings = settings;
    this.processing = processing;
    this.listener = listener;
    this.slots = new Semaphore(settings.concurrency() + settings.receiveAhead());
    // Half the receive-ahead: the other half still waits for threads while the receive is in flight,
    // so a target that finishes meanwhile starts the next at once (at the whole of it the last one
    // started as the receive went out, and on a busy box threads sat idle waiting for it).
    this.batchTarget = Math.min(SQS_MAX_BATCH, Math.max(1, settings.receiveAhead() / 2));
    this.maxWaitForSlot = leases.visibilityTimeout().dividedBy(2);
    this.workers =
        new ThreadPoolExecutor(
            settings.concurrency(), settings.concurrency(), 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
            Thread.ofPlatform().name("target-", 0).daemon(false).factory());
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

  /** Started, not stopping, and the receive thread is alive (it dies only on a bug): liveness. */
  public boolean isReceiving() {
    Thread thread = receiver;
    return running.get() && thread != null && thread.isAlive();
  }

  private void receiveLoop() {
    while (running.get()) {
      if (pausedForBackpressure()) {
        continue;
      }
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      int free;
      try {
        free = awaitBatch(1 + slots.drainPermits());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // stopping: nothing received, the drain gives back what waits
      }
      if (pausedForBackpressure()) {
        releaseSlots(free); // the dependency went down while we waited for a slot
        continue;
      }
      List<ReceivedMessage> messages;
      polling = true;
      try {
        messages = running.get() ? source.receive(Math.min(free, SQS_MAX_BATCH), settings.receiveWait()) : List.of();
      } catch (RuntimeException e) {
        releaseSlots(free);
        if (!running.get()) {
          return;
        }
        listener.receiveFailed(e);
        log.warn("receive failed: {}", e.toString());
        pauseAfterReceiveFailure();
        continue;
      } finally {
        polling = false;
      }
      // Their visibility timeout runs from here: the prefetch and any wait for a thread count against it.
      long receivedAt = leases.nanoTime();
      listener.received(messages.size());
      releaseSlots(free - messages.size());
      processor.prefetch(messages);
      for (ReceivedMessage message : messages) {
        dispatch(message, receivedAt);
      }
    }
  }

  private void dispatch(ReceivedMessage message, long receivedAt) {
    WaitingTarget waiting = new WaitingTarget(message, receivedAt);
    if (running.get()) {
      waiting.handBackInTime();
      try {
        // Beyond the free threads, the pool's queue holds the received-ahead messages.
        workers.execute(waiting);
        return;
      } catch (RejectedExecutionException e) {
        // stopping: fall through
      }
    }
    // Received while stopping: hand it straight back rather than let it wait out its visibility.
    waiting.giveBack("received while stopping");
  }

  /**
   * Holding {@code free} slots, waits while received-ahead messages still wait for a thread and fewer
   * than {@link #batchTarget} slots are free; returns the slots now held (all free ones).
   */
  private int awaitBatch(int free) throws InterruptedException {
    roomLock.lock();
    try {
      while (true) {
        free += slots.drainPermits(); // under the lock: a release after this check signals us
        if (!running.get() || free >= batchTarget || workers.getQueue().isEmpty()) {
          return free;
        }
        roomChanged.await();
      }
    } finally {
      roomLock.unlock();
    }
  }

  private void releaseSlots(int count) {
    if (count > 0) {
      slots.release(count);
    }
    roomChanged();
  }

  /** Wakes the receiver if it waits for room; signalled under the lock so no wake-up is lost. */
  private void roomChanged() {
    roomLock.lock();
    try {
      roomChanged.signalAll();
    } finally {
      roomLock.unlock();
    }
  }

  /** While a dependency is down take no work (its receives would count toward the DLQ). */
  private boolean pausedForBackpressure() {
    boolean now = backpressure.paused();
    if (now != paused) {
      paused = now;
      if (now) {
        log.warn("pausing receive: {}", backpressure.reason());
      } else {
        log.info("resuming receive: {}", backpressure.reason());
      }
      listener.pausedChanged(now, backpressure.reason());
    }
    if (now) {
      pauseBriefly(PAUSE_POLL);
    }
    return now;
  }

  private void pauseAfterReceiveFailure() {
    // A queue outage must not turn into a hot loop; the SDK has already retried this call.
    pauseBriefly(Duration.ofSeconds(1));
  }

  private static void pauseBriefly(Duration duration) {
    try {
      TimeUnit.MILLISECONDS.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A received message waiting for a thread. Whoever claims it first decides its fate: the thread
   * that takes it runs it, the timer started at its receipt hands it back after half its visibility
   * timeout (no thread came in time), a stop hands it back at once.
   */
  private final class WaitingTarget implements Runnable {
    private final ReceivedMessage message;
    private final long receivedAt;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile Scheduler.Cancellable handBackTimer;

    WaitingTarget(ReceivedMessage message, long receivedAt) {
      this.message = message;
      this.receivedAt = receivedAt;
    }

    /** Starts the timer that hands the message back if no thread has taken it in time. */
    void handBackInTime() {
      handBackTimer = leases.runAfterReceipt(receivedAt, maxWaitForSlot, this::handBackIfStillWaiting);
    }

    private boolean claim() {
      if (!claimed.compareAndSet(false, true)) {
        return false;
      }
      Scheduler.Cancellable timer = handBackTimer;
      if (timer != null) {
        timer.cancel();
      }
      return true;
    }

    @Override
    public void run() {
      if (!claim()) {
        return; // handed back already
      }
      roomChanged(); // one fewer message waits: the receiver may stop batching
      if (!running.get()) {
        releaseSlots(1);
        releaseUnstarted(message, "not started before the stop");
      } else if (leases.nanoTime() - receivedAt >= maxWaitForSlot.toNanos()) {
        // The timer is due but has not run yet: too late to start under this receipt either way.
        handBackAfterWaiting();
      } else {
        handle(message, receivedAt);
      }
    }

    /** On the timer: no thread took the message within half its visibility timeout. */
    private void handBackIfStillWaiting() {
      if (!claim()) {
        return;
      }
      workers.remove(this); // frees no thread, but the receiver's batching counts what waits
      roomChanged();
      handBackAfterWaiting();
    }

    private void handBackAfterWaiting() {
      releaseSlots(1);
      postponeUnstarted(message, "waited " + maxWaitForSlot + " for a free target slot");
    }

    /** Hands the message back at once (visibility 0) unless a thread or the timer has claimed it. */
    void giveBack(String why) {
      if (claim()) {
        releaseSlots(1);
        releaseUnstarted(message, why);
      }
    }
  }

  private void handle(ReceivedMessage message, long receivedAt) {
    inFlight.incrementAndGet();
    long start = System.nanoTime();
    Outcome outcome;
    try (LeaseKeeper.HeldLease lease = leases.hold(message, receivedAt)) {
      outcome = processor.process(message, lease);
      if (lease.isLost() && !(outcome instanceof Outcome.Done)) {
        // Someone else owns the message now; a retry or dead-letter from here would race them.
        outcome = new Outcome.Abandoned(lease.lostReason().orElse("lease lost"));
      }
      acknowledge(message, outcome, receivedAt);
    } catch (RuntimeException e) {
      // The processor maps every failure to an outcome; reaching here means the acknowledgement
      // failed. The message becomes visible again when its timeout runs out, so nothing is lost.
      log.warn("acknowledging message {} failed: {}", message.messageId(), e.toString());
      outcome = new Outcome.RetryLater(e.toString());
    } finally {
      inFlight.decrementAndGet();
      releaseSlots(1);
    }
    listener.finished(message, outcome, Duration.ofNanos(System.nanoTime() - start));
  }

  private void acknowledge(ReceivedMessage message, Outcome outcome, long receivedAt) {
    switch (outcome) {
      case Outcome.Done done -> deleteOnceRecorded(message, done.recorded());
      // The queue refuses a delay reaching past its limit since the receipt (SQS: 12 h), and the
      // message would then come back after its visibility timeout instead: ask for what is left.
      case Outcome.RetryLater retry -> {
        Duration delay = processing.retryDelay(message.receiveCount());
        Duration left = leases.invisibleAtMostFor(receivedAt);
        acknowledger.retryAfter(message, delay.compareTo(left) > 0 ? left : delay);
      }
      case Outcome.Reject reject -> acknowledger.deadLetter(message, reject.reasonCode(), reject.detail());
      case Outcome.Abandoned abandoned -> {}
      case Outcome.Postpone postpone -> acknowledger.postpone(message, postpone.delay());
    }
  }

  /**
   * The run ledger first, then the queue: a message deleted before its success was recorded would
   * leave the run waiting for a target that is done. Counted, so a stop waits for the write.
   */
  private void deleteOnceRecorded(ReceivedMessage message, CompletionStage<Void> recorded) {
    recordsPending.incrementAndGet();
    recorded.whenComplete((written, failure) -> {
      try {
        if (failure == null) {
          acknowledger.delete(message);
        } else {
          // The target is done, so its message must not spend a delivery (nor end in the DLQ): a
          // fresh copy returns, finds the version its run committed, and records the success.
          Duration delay = backpressure.paused() ? backpressure.retryAfter() : processing.retryDelay(message.receiveCount());
          log.warn("message {} returns in {}: its success is not in the run ledger ({})", message.messageId(), delay,
              failure.toString());
          acknowledger.postpone(message, delay);
        }
      } catch (RuntimeException e) {
        log.warn("acknowledging message {} failed; it returns after its visibility timeout: {}", message.messageId(),
            e.toString());
      } finally {
        if (recordsPending.decrementAndGet() == 0) {
          synchronized (recordsPending) {
            recordsPending.notifyAll();
          }
        }
      }
    });
  }

  /** Waits (bounded) for the successes still being written, so their deletes go out with the last flush. */
  private void awaitRecords() {
    long deadline = System.nanoTime() + RECORD_WAIT.toNanos();
    synchronized (recordsPending) {
      while (recordsPending.get() > 0 && System.nanoTime() < deadline) {
        try {
          recordsPending.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    if (recordsPending.get() > 0) {
      log.warn("stopping with {} successes not yet in the run ledger; their messages return and are recorded then",
          recordsPending.get());
    }
  }

  /**
   * Hands back a message that never ran as a fresh copy (see {@link Acknowledger#postpone}): a
   * visibility change would leave this receive counted toward the redrive policy, and a message
   * that keeps waiting behind long targets (here or on other workers) would be dead-lettered unrun.
   */
  private void postponeUnstarted(ReceivedMessage message, String why) {
    try {
      acknowledger.postpone(message, Duration.ZERO);
      log.info("message {} handed back unstarted: {}", message.messageId(), why);
    } catch (RuntimeException e) {
      log.warn("could not hand back message {} ({}); it returns after its visibility timeout: {}",
          message.messageId(), why, e.toString());
    } finally {
      listener.released(message, why); // this worker is done with it either way
    }
  }

  /** Hands back a message that never ran at once (visibility 0), and tells the listener it ended here. */
  private void releaseUnstarted(ReceivedMessage message, String why) {
    try {
      releaseToQueue(message, why);
    } finally {
      listener.released(message, why);
    }
  }

  /**
   * Visibility 0: delivered again at once. Says nothing to the listener: a running target's message
   * released at the stop is reported by {@link #handle} when the target unwinds.
   */
  private boolean releaseToQueue(ReceivedMessage message, String why) {
    try {
      acknowledger.retryAfter(message, Duration.ZERO);
      return true;
    } catch (RuntimeException e) {
      log.warn("could not release message {} ({}); it returns after its visibility timeout: {}",
          message.messageId(), why, e.toString());
      return false;
    }
  }

  /**
   * Graceful stop (SIGTERM): stops receiving, lets in-flight targets finish until
   * {@code shutdownGrace - releaseMargin}, then revokes the leases of those still running, releases
   * their messages (visibility 0) so another worker starts them at once, aborts their source reads
   * (a read blocked on a source that stopped answering heeds no interrupt, and held its target, its
   * source slot and the stop until the read timeout), and waits out the margin for them to unwind.
   * Returns true when every target finished or was released.
   */
  public boolean stop() {
    if (!running.compareAndSet(true, false)) {
      return true;
    }
    try {
      return drain();
    } finally {
      awaitRecords();
      flushAcknowledgements();
    }
  }

  private void flushAcknowledgements() {
    try {
      acknowledger.flush();
    } catch (RuntimeException e) {
      log.warn("could not send the last acknowledgements; those messages return once and are dropped as done: {}",
          e.toString());
    }
  }

  private boolean drain() {
    long now = System.nanoTime();
    long deadline = now + settings.shutdownGrace().toNanos();
    long releaseAt = deadline - settings.releaseMargin().toNanos();
    log.info("stopping: {} targets in flight, grace {}", inFlight.get(), settings.shutdownGrace());
    try {
      stopReceiver(releaseAt);
      List<Runnable> waiting = new ArrayList<>();
      workers.getQueue().drainTo(waiting);
      giveBackAll(waiting, releaseAt);
      workers.shutdown();
      if (workers.awaitTermination(Math.max(0, releaseAt - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        log.info("stopped: every in-flight target finished");
        return true;
      }
      List<LeaseKeeper.HeldLease> revoked = new ArrayList<>();
      for (LeaseKeeper.HeldLease lease : leases.held()) {
        if (lease.revoke("worker shutting down")) {
          revoked.add(lease);
        }
      }
      if (!revoked.isEmpty()) {
        // Every target still running was just revoked: any source read in progress is theirs.
        int aborted = reads.abortAll();
        if (aborted > 0) {
          log.info("aborted {} source connections of the released targets", aborted);
        }
      }
      int released = releaseAll(revoked, deadline);
      log.info("shutdown grace running out: released {} running targets to other workers", released);
      boolean unwound = workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!unwound) {
        log.warn("{} targets still unwinding at the end of the grace period", inFlight.get());
        workers.shutdownNow();
      }
      return released == revoked.size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
      return false;
    }
  }

  /**
   * Hands back the messages still waiting for a thread, each on a thread of its own, and waits for
   * them until {@code untilNanos} at most: one after another from the stopping thread, each hand-back
   * to a queue that stopped answering waited out the SDK's call timeout (95 s) before the next.
   */
  private void giveBackAll(List<Runnable> waiting, long untilNanos) throws InterruptedException {
    List<Thread> givingBack = new ArrayList<>();
    for (Runnable target : waiting) {
      givingBack.add(Thread.ofPlatform().daemon(true).name("give-back").start(
          () -> ((WaitingTarget) target).giveBack("not started before the stop")));
    }
    int pending = 0;
    for (Thread thread : givingBack) {
      long left = untilNanos - System.nanoTime();
      if (left <= 0 ? thread.isAlive() : !thread.join(Duration.ofNanos(left))) {
        pending++;
      }
    }
    if (pending > 0) {
      log.warn("{} waiting messages not handed back yet; the stop goes on without them", pending);
    }
  }

  /**
   * Releases the messages of revoked targets, each on a thread of its own, and waits for them until
   * {@code deadlineNanos}; returns how many were released by then. On a queue that stopped
   * answering each visibility change waits out the SDK's call timeout (95 s): sent one after
   * another from the stopping thread, they held the stop that long per target, past ECS's stop
   * timeout. A release still waiting at the deadline is left to finish or fail on its own: the
   * message then returns after its visibility timeout.
   */
  private int releaseAll(List<LeaseKeeper.HeldLease> revoked, long deadlineNanos) throws InterruptedException {
    List<CompletableFuture<Boolean>> releases = new ArrayList<>();
    for (LeaseKeeper.HeldLease lease : revoked) {
      CompletableFuture<Boolean> release = new CompletableFuture<>();
      Thread.ofPlatform().daemon(true).name("release-" + lease.message().messageId()).start(
          () -> release.complete(releaseToQueue(lease.message(), "shutdown grace running out")));
      releases.add(release);
    }
    int released = 0;
    for (CompletableFuture<Boolean> release : releases) {
      try {
        if (release.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          released++;
        }
      } catch (ExecutionException | TimeoutException e) {
        // not released in time (releaseToQueue logs its own failures)
      }
    }
    if (released < revoked.size()) {
      log.warn("{} of {} released targets' messages not handed back by the end of the grace; they return after"
          + " their visibility timeout", revoked.size() - released, revoked.size());
    }
    return released;
  }

  private void stopReceiver(long releaseAtNanos) throws InterruptedException {
    Thread thread = receiver;
    if (thread == null) {
      return;
    }
    if (!polling) {
      thread.interrupt(); // waiting for a free slot: nothing in hand
    }
    // A long poll in progress is let run out (<= receive-wait): interrupting it could lose the
    // messages SQS is already returning to a full visibility timeout. What it returns is released.
    long waitMillis = Math.max(0, (releaseAtNanos - System.nanoTime()) / 1_000_000);
    thread.join(Math.max(1, waitMillis));
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(1000);
    }
  }
}
