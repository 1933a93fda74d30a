package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap the running targets of one worker share. Each target reserves before it reads the
 * source and gives the reservation back when it ends, so {@code worker.concurrency} caps the
 * targets running and this caps their memory: many small targets run at once, few large ones.
 *
 * <p>A full reservation is the most one target buffers (a row group, its parts in flight and the
 * one filling, the fetch and prefetch rows: {@code WorkerSettings.perTargetBytes}). A target starts
 * with the small reservation unless its last version was large or this is a redelivery; what
 * bounds its memory is the rows it has read: up to {@code smallTargetRows} rows its row group, part
 * buffer (both grow with the data) and fetched rows fit the small reservation. At that many rows it
 * must grow to the full reservation ({@link Reservation#rowsRead}); if the memory does not come free
 * within {@link #GROW_WAIT} it stops with {@link Outgrown}, and its redelivery reserves in full
 * from the start. Growth never waits forever, so targets that all wait to grow cannot deadlock.
 *
 * <p>The semaphore is fair: a full reservation waiting for memory is not overtaken forever by a
 * stream of small ones.
 */
public final class MemoryBudget {
  /** No memory accounting (tests, tools): every reservation is granted at once. */
  public static final MemoryBudget UNLIMITED = new MemoryBudget(Long.MAX_VALUE / 4, 0, 0, Long.MAX_VALUE);
  /** How long a small target that outgrew its reservation waits for the rest of a full one. */
  static final Duration GROW_WAIT = Duration.ofSeconds(10);

  private static final long UNIT = 1024;

  private final long capacityBytes;
  private final long fullTargetBytes;
  private final long smallTargetBytes;
  private final long smallTargetRows;
  private final Semaphore units;
  private final Duration growWait;

  /**
   * @param capacityBytes heap for running targets (the JVM's max heap less what the process needs idle)
   * @param fullTargetBytes one target's worst case; must fit in the capacity
   * @param smallTargetBytes what a target known to be small reserves (at most the full reservation)
   * @param smallTargetRows the rows a small reservation covers; a target that reads more grows to full
   */
  public MemoryBudget(long capacityBytes, long fullTargetBytes, long smallTargetBytes, long smallTargetRows) {
    this(capacityBytes, fullTargetBytes, smallTargetBytes, smallTargetRows, GROW_WAIT);
  }

  /** @param growWait how long a target that outgrew a small reservation waits for a full one */
  MemoryBudget(long capacityBytes, long fullTargetBytes, long smallTargetBytes, long smallTargetRows, Duration growWait) {
    this.growWait = growWait;
    if (fullTargetBytes > capacityBytes) {
      throw new IllegalArgumentException(
          "one target's reservation (" + fullTargetBytes + " bytes) exceeds the budget (" + capacityBytes + " bytes)");
    }
    if (smallTargetBytes < 0 || smallTargetBytes > fullTargetBytes || smallTargetRows < 0) {
      throw new IllegalArgumentException(
          "small target reservation must be 0.." + fullTargetBytes + " bytes, got " + smallTargetBytes);
    }
    this.capacityBytes = capacityBytes;
    this.fullTargetBytes = fullTargetBytes;
    this.smallTargetBytes = smallTargetBytes;
    this.smallTargetRows = smallTargetRows;
    this.units = new Semaphore(Math.toIntExact(Math.min(Integer.MAX_VALUE, units(capacityBytes))), true);
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  /** What the target of {@code message} reserves, given its current version and this delivery's count. */
  public long reservationFor(TargetMessage message, Optional<TargetVersion> current, int receiveCount) {
    if (receiveCount > 1) {
      return fullTargetBytes; // perhaps the last delivery outgrew a small reservation
    }
    boolean knownLarge =
        current.isPresent() && message.mode() == SyncMode.FULL && current.get().rowCount() > smallTargetRows;
    return knownLarge ? fullTargetBytes : smallTargetBytes;
  }

  /** Waits until {@code bytes} of the budget are free and takes them; close the reservation to give them back. */
  public Reservation reserve(long bytes) throws InterruptedException {
    int taken = unitsOf(bytes);
    units.acquire(taken);
    return new Reservation(taken);
  }

  private int unitsOf(long bytes) {
    return Math.toIntExact(Math.min(units(Math.min(bytes, capacityBytes)), Integer.MAX_VALUE));
  }

  /** Bytes free right now (for tests). */
  public long availableBytes() {
    return units.availablePermits() * UNIT;
  }

  /** Whether a target is waiting for memory (for tests). */
  boolean hasWaiters() {
    return units.hasQueuedThreads();
  }

  private static long units(long bytes) {
    return (bytes + UNIT - 1) / UNIT;
  }

  /** A target read more rows than its small reservation covers and no memory came free to grow it. */
  public static final class Outgrown extends IOException {
    Outgrown(String message) {
      super(message);
    }
  }

  /** A share of the budget; closing it more than once gives it back once. */
  public final class Reservation implements AutoCloseable {
    private int taken;

    private Reservation(int taken) {
      this.taken = taken;
    }

    public synchronized long bytes() {
      return taken * UNIT;
    }

    /**
     * Called as the target reads: past the rows a small reservation covers, grows it to a full one.
     *
     * @throws Outgrown when the rest of a full reservation did not come free in time
     */
    public synchronized void rowsRead(long rows) throws Outgrown {
      int full = unitsOf(fullTargetBytes);
      if (rows <= smallTargetRows || taken >= full || taken == 0) {
        return;
      }
      boolean grown;
      try {
        grown = units.tryAcquire(full - taken, growWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        grown = false;
      }
      if (!grown) {
        throw new Outgrown("read " + rows + " rows, more than a small target's memory reservation covers, and "
            + "the rest of a full one did not come free in " + growWait);
      }
      taken = full;
    }

    @Override
    public synchronized void close() {
      if (taken > 0) {
        units.release(taken);
        taken = 0;
      }
    }
  }
}
