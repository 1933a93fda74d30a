package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.OpenReads;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the messages of running targets invisible with a heartbeat: every half visibility timeout,
 * counted from the message's receipt, it extends the visibility by a whole timeout, so a target
 * that runs longer than the timeout (or started late, after waiting for a thread) is never
 * delivered twice. An extension that fails transiently (throttling, a 5xx, the network) is tried
 * again every tenth of the renewal interval while the message's visibility lasts. When the message
 * is no longer ours (receipt handle expired, message deleted or redelivered), or its visibility runs
 * out before an extension gets through, the lease is lost, the holding thread is interrupted and
 * its source reads are aborted ({@link OpenReads}): the target is abandoned without a commit at
 * once, and the fenced commit makes even a late one harmless.
 *
 * <p>SQS keeps a message invisible at most {@link #MAX_INVISIBLE_SINCE_RECEIPT} after its receipt
 * and refuses an extension that asks past that: the last extension asks only for what is left (less
 * {@link #RECEIPT_MARGIN}), and the lease is lost when that runs out, not at the refusal half a
 * timeout earlier.
 *
 * <p>The SDK has already retried each failed call a few times within a second or so; this is the
 * heartbeat's own schedule, not a retry stacked on the call: losing a target that has run for an
 * hour to a throttling burst costs far more than a few more calls while time remains.
 */
public final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
  /** SQS's limit: a ChangeMessageVisibility past this since the receipt is refused. */
  static final Duration MAX_INVISIBLE_SINCE_RECEIPT = Duration.ofHours(12);
  /**
   * The receipt is taken once the receive call has returned, a little after SQS counted it: the
   * last extension stops this much short of the limit so it is never refused.
   */
  static final Duration RECEIPT_MARGIN = Duration.ofMinutes(1);
  private static final Duration SHORTEST_EXTENSION = Duration.ofSeconds(1);

  private final Acknowledger acknowledger;
  private final Scheduler scheduler;
  private final Duration visibilityTimeout;
  private final Duration renewEvery;
  private final Duration retryEvery;
  private final Predicate<Throwable> isTransient;
  private final OpenReads reads;
  private final ConcurrentHashMap<HeldLease, Boolean> held = new ConcurrentHashMap<>();

  /** For an acknowledger none of whose failures is transient: every failed extension loses the lease. */
  public LeaseKeeper(Acknowledger acknowledger, Scheduler scheduler, Duration visibilityTimeout) {
    this(acknowledger, scheduler, visibilityTimeout, failure -> false);
  }

  /**
   * @param isTransient whether a failed extension may get through if tried again soon (for SQS:
   *     {@code AwsErrors.isTransient}); any other failure means the message is no longer ours
   */
  public LeaseKeeper(
      Acknowledger acknowledger, Scheduler scheduler, Duration visibilityTimeout, Predicate<Throwable> isTransient) {
    this(acknowledger, scheduler, visibilityTimeout, isTransient, OpenReads.NONE);
  }

  /**
   * @param isTransient whether a failed extension may get through if tried again soon (for SQS:
   *     {@code AwsErrors.isTransient}); any other failure means the message is no longer ours
   * @param reads the source reads a lost lease aborts, those of its holder's thread: no interrupt
   *     reaches a read blocked on a source that stopped answering
   */
  public LeaseKeeper(
      Acknowledger acknowledger, Scheduler scheduler, Duration visibilityTimeout, Predicate<Throwable> isTransient,
      OpenReads reads) {
    if (visibilityTimeout.toSeconds() < 2) {
      throw new IllegalArgumentException("visibility timeout must be >= 2s for a heartbeat, got " + visibilityTimeout);
    }
    this.acknowledger = acknowledger;
    this.scheduler = scheduler;
    this.visibilityTimeout = visibilityTimeout;
    this.renewEvery = visibilityTimeout.dividedBy(2);
    this.retryEvery = renewEvery.dividedBy(10);
    this.isTransient = isTransient;
    this.reads = reads;
  }

  public Duration visibilityTimeout() {
    return visibilityTimeout;
  }

  /** The time receipts are taken in ({@link Scheduler#nanoTime()}): for {@link #hold(ReceivedMessage, long)}. */
  public long nanoTime() {
    return scheduler.nanoTime();
  }

  /** Starts the heartbeat for a message received just now that the calling thread is about to process. */
  public HeldLease hold(ReceivedMessage message) {
    return hold(message, scheduler.nanoTime());
  }

  /**
   * Starts the heartbeat for a message the calling thread is about to process, received at
   * {@code receivedAtNanos} ({@link #nanoTime()}). Its visibility timeout has run since then, not
   * since now: a message that waited for a thread is extended half a timeout after its receipt, at
   * once if that is past.
   */
  public HeldLease hold(ReceivedMessage message, long receivedAtNanos) {
    HeldLease lease =
        new HeldLease(
            message, Thread.currentThread(), receivedAtNanos + visibilityTimeout.toNanos(),
            receivedAtNanos + MAX_INVISIBLE_SINCE_RECEIPT.minus(RECEIPT_MARGIN).toNanos());
    held.put(lease, Boolean.TRUE);
    lease.scheduleRenewal(untilReceiptPlus(receivedAtNanos, renewEvery));
    return lease;
  }

  /**
   * Runs {@code task} on the heartbeat's scheduler once {@code after} has passed since a receipt
   * taken at {@code receivedAtNanos} ({@link #nanoTime()}), at once if it has already.
   */
  public Scheduler.Cancellable runAfterReceipt(long receivedAtNanos, Duration after, Runnable task) {
    return scheduler.schedule(task, untilReceiptPlus(receivedAtNanos, after));
  }

  private Duration untilReceiptPlus(long receivedAtNanos, Duration after) {
    long sinceReceipt = scheduler.nanoTime() - receivedAtNanos;
    return Duration.ofNanos(Math.max(0, after.toNanos() - sinceReceipt));
  }

  /**
   * How long the queue still lets a message received at {@code receivedAtNanos} ({@link #nanoTime()})
   * be kept invisible, in whole seconds: a visibility change asking for more is refused.
   */
  public Duration invisibleAtMostFor(long receivedAtNanos) {
    long left = receivedAtNanos + MAX_INVISIBLE_SINCE_RECEIPT.minus(RECEIPT_MARGIN).toNanos() - scheduler.nanoTime();
    return Duration.ofSeconds(Math.max(0, TimeUnit.NANOSECONDS.toSeconds(left)));
  }

  /** The leases of targets still running. */
  public Collection<HeldLease> held() {
    return List.copyOf(held.keySet());
  }

  /** A lease on one message, held by the thread that runs its target. */
  public final class HeldLease implements Lease, AutoCloseable {
    private final ReceivedMessage message;
    private final Thread holder;
    private final List<Runnable> alongside = new CopyOnWriteArrayList<>();
    private Scheduler.Cancellable renewal;
    private String lostReason;
    private boolean closed;
    /** When the message becomes visible again unless extended ({@link Scheduler#nanoTime()}). */
    private long invisibleUntil;
    /** How far the queue lets its visibility be extended ({@link Scheduler#nanoTime()}). */
    private final long extendableUntil;

    private HeldLease(ReceivedMessage message, Thread holder, long invisibleUntil, long extendableUntil) {
      this.message = message;
      this.holder = holder;
      this.invisibleUntil = invisibleUntil;
      this.extendableUntil = extendableUntil;
    }

    @Override
    public ReceivedMessage message() {
      return message;
    }

    @Override
    public synchronized Optional<String> lostReason() {
      return Optional.ofNullable(lostReason);
    }

    @Override
    public void renewAlongside(Runnable renewal) {
      alongside.add(renewal);
    }

    private synchronized void scheduleRenewal(Duration delay) {
      if (!closed && lostReason == null) {
        renewal = scheduler.schedule(this::renew, delay);
      }
    }

    private void renew() {
      synchronized (this) {
        if (closed || lostReason != null) {
          return;
        }
      }
      long attemptedAt = scheduler.nanoTime();
      Duration extension = visibilityTimeout;
      Duration left = Duration.ofSeconds(TimeUnit.NANOSECONDS.toSeconds(extendableUntil - attemptedAt));
      if (left.compareTo(extension) < 0) {
        if (left.compareTo(SHORTEST_EXTENSION) < 0) {
          String reason = "the message reached the queue's limit of " + MAX_INVISIBLE_SINCE_RECEIPT.toHours()
              + " h invisible since its receipt";
          log.warn("{} (message {}), abandoning its target", reason, message.messageId());
          revoke(reason);
          return;
        }
        extension = left;
      }
      try {
        acknowledger.extend(message, extension);
        log.debug("extended visibility of message {} by {}", message.messageId(), extension);
      } catch (RuntimeException e) {
        tryAgainOrRevoke(e);
        return;
      }
      synchronized (this) {
        invisibleUntil = attemptedAt + extension.toNanos();
      }
      for (Runnable renewal : alongside) {
        try {
          renewal.run();
        } catch (RuntimeException e) {
          // What it renews has a lease of the same length: the next heartbeat tries again in time.
          log.warn("renewal alongside message {} failed: {}", message.messageId(), e.toString());
        }
      }
      // A last, shorter extension is not renewed: the lease is given up when it runs out.
      scheduleRenewal(extension.compareTo(renewEvery) < 0 ? extension : renewEvery);
    }

    private void tryAgainOrRevoke(RuntimeException failure) {
      boolean transientFailure = isTransient.test(failure);
      long visibleIn;
      synchronized (this) {
        visibleIn = invisibleUntil - scheduler.nanoTime();
      }
      if (transientFailure && visibleIn > retryEvery.toNanos()) {
        log.warn("heartbeat for message {} failed, trying again in {} ({} of visibility left): {}", message.messageId(),
            retryEvery, Duration.ofNanos(visibleIn), failure.toString());
        scheduleRenewal(retryEvery);
        return;
      }
      String reason = transientFailure ? "heartbeat failed until the visibility ran out: " + failure
          : "heartbeat failed: " + failure;
      log.warn("{} (message {}), abandoning its target", reason, message.messageId());
      revoke(reason);
    }

    /**
     * Gives the message up: no commit, no acknowledgement from this worker. Interrupts the holder
     * so a long read or upload stops early, and aborts the source connections its thread holds so
     * a read blocked on a silent source does too; returns false if the target had already finished.
     */
    public boolean revoke(String reason) {
      synchronized (this) {
        if (closed || lostReason != null) {
          return false;
        }
        lostReason = reason;
        if (renewal != null) {
          renewal.cancel();
        }
        // Interrupt under the lock: close() takes it too, so the holder cannot have moved on to
        // another message in between, and the connections its thread holds are this target's.
        holder.interrupt();
        // No interrupt reaches a read blocked on a source that stopped answering: the target held
        // its thread and its source slot until the read timeout (15 min). Aborting waits for nothing.
        int aborted = reads.abortReadsOf(holder);
        if (aborted > 0) {
          log.info("aborted {} source connections of the target of message {}", aborted, message.messageId());
        }
      }
      return true;
    }

    /** The target finished: stop the heartbeat. Clears an interrupt a revoke may have left. */
    @Override
    public void close() {
      synchronized (this) {
        closed = true;
        if (renewal != null) {
          renewal.cancel();
        }
      }
      held.remove(this);
      if (Thread.currentThread() == holder) {
        Thread.interrupted();
      }
    }
  }
}
