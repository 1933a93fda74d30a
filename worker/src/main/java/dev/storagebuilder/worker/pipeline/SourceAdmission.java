package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.slots.SourceSlots;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Who may read the source now: a slot of the fleet-wide {@link SourceSlots}, and how long a target
 * that got none stays away. The wait is jittered ({@value #JITTER} either side) so the targets
 * postponed together do not all come back in the same second and race for the same slots again.
 */
public final class SourceAdmission {
  /** Fraction of the wait added or taken away at random. */
  public static final double JITTER = 0.5;
  /** SQS delays are whole seconds: anything shorter would come straight back. */
  static final Duration MIN_WAIT = Duration.ofSeconds(1);

  /** No cap: every target enters at once. */
  public static final SourceAdmission UNLIMITED =
      new SourceAdmission(SourceSlots.UNLIMITED, MIN_WAIT, new SplittableRandom(0));

  private final SourceSlots slots;
  private final Duration wait;
  private final RandomGenerator random;

  /**
   * @param wait the mean delay of a target postponed for want of a slot
   * @param random draws the jitter; injected so tests are exact
   */
  public SourceAdmission(SourceSlots slots, Duration wait, RandomGenerator random) {
    this.slots = Objects.requireNonNull(slots, "slots");
    this.random = Objects.requireNonNull(random, "random");
    if (wait == null || wait.compareTo(MIN_WAIT) < 0) {
      throw new IllegalArgumentException("worker.source-slot-wait must be >= 1s, got " + wait);
    }
    this.wait = wait;
  }

  /** A slot for {@code holder}, or empty when the source has as many readers as the cap allows. */
  Optional<SourceSlots.Slot> tryEnter(String holder) {
    return slots.tryAcquire(holder);
  }

  /** How long to postpone a target that found no free slot: the wait, jittered, at least 1 s. */
  Duration nextWait() {
    double factor;
    synchronized (random) {
      factor = 1 - JITTER + random.nextDouble() * 2 * JITTER;
    }
    Duration jittered = Duration.ofMillis(Math.round(wait.toMillis() * factor));
    return jittered.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : jittered;
  }
}
