package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

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
 * must grow to the full reservation ({@link Reservation#rowsRead}).
 *
 * <p>Growing comes before starting: a target that waits to grow already holds memory and has work
 * done, so new reservations wait while one does. A grower waits for memory only while some other
 * reservation is still running (it will end and give memory back), and at most {@link #GROW_WAIT}.
 * When every reservation is a grower waiting for another and the first in line does not fit, none
 * could ever go on: the newest grower stops at once with {@link Outgrown}, gives its share back, and
 * its redelivery reserves in full from the start. (Before, all of them waited out the timeout: a first update-all, where every
 * target starts small, stood still for 10 s at a time on each worker.)
 *
 * <p>New reservations are served in arrival order: a waiting large one is not overtaken forever by
 * a stream of small ones.
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
  private final Duration growWait;
  // Guarded by this.
  private long freeUnits;
  private int holders;
  private final Deque<Object> starters = new ArrayDeque<>();
  private final Deque<Reservation> growers = new ArrayDeque<>();

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
    this.freeUnits = units(capacityBytes);
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
  public synchronized Reservation reserve(long bytes) throws InterruptedException {
    long wanted = unitsOf(bytes);
    Object ticket = new Object();
    starters.addLast(ticket);
    try {
      while (starters.peekFirst() != ticket || !growers.isEmpty() || freeUnits < wanted) {
        wait();
      }
    } finally {
      starters.remove(ticket);
      notifyAll(); // the next in line may fit too, or no longer waits behind this one
    }
    return take(wanted);
  }

  private long unitsOf(long bytes) {
    return units(Math.min(bytes, capacityBytes));
  }

  private Reservation take(long wanted) {
    freeUnits -= wanted;
    if (wanted > 0) {
      holders++;
    }
    return new Reservation(wanted);
  }

  /** Bytes free right now (for tests). */
  public synchronized long availableBytes() {
    return freeUnits * UNIT;
  }

  /** Whether a target is waiting for memory, to start or to grow (for tests). */
  synchronized boolean hasWaiters() {
    return !starters.isEmpty() || !growers.isEmpty();
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
    private long taken;

    private Reservation(long taken) {
      this.taken = taken;
    }

    public long bytes() {
      synchronized (MemoryBudget.this) {
        return taken * UNIT;
      }
    }

    /**
     * Called as the target reads: past the rows a small reservation covers, grows it to a full one.
     *
     * @throws Outgrown when the rest of a full reservation did not come free in time, or could not
     *     (every other reservation waits to grow as well)
     */
    public void rowsRead(long rows) throws Outgrown {
      synchronized (MemoryBudget.this) {
        long full = unitsOf(fullTargetBytes);
        if (rows <= smallTargetRows || taken >= full || taken == 0) {
          return;
        }
        String why = grow(full - taken);
        if (why != null) {
          throw new Outgrown("read " + rows + " rows, more than a small target's memory reservation covers, and "
              + "the rest of a full one " + why);
        }
        taken = full;
      }
    }

    /** Takes {@code more} units, growers first in arrival order; returns why not, or null when taken. */
    private String grow(long more) {
      long deadline = System.nanoTime() + growWait.toNanos();
      growers.addLast(this);
      try {
        while (growers.peekFirst() != this || freeUnits < more) {
          // A deadlock only if the first in line cannot go on either: after a release it may be
          // woken but not yet run, and once grown it runs on and gives its memory back.
          if (growers.size() == holders && growers.peekLast() == this && !firstGrowerFits()) {
            return "cannot come free: every running target waits to grow";
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return "did not come free in " + growWait;
          }
          MemoryBudget.this.wait(Math.max(1, left / 1_000_000));
        }
        freeUnits -= more;
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "was not waited for (interrupted)";
      } finally {
        growers.remove(this);
        MemoryBudget.this.notifyAll();
      }
    }

    private boolean firstGrowerFits() {
      Reservation first = growers.peekFirst();
      return first != null && freeUnits >= unitsOf(fullTargetBytes) - first.taken;
    }

    @Override
    public void close() {
      synchronized (MemoryBudget.this) {
        if (taken > 0) {
          freeUnits += taken;
          holders--;
          taken = 0;
          MemoryBudget.this.notifyAll();
        }
      }
    }
  }
}
