package dev.storagebuilder.aws.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.slots.SourceSlots;
import dev.storagebuilder.common.slots.SourceSlots.Slot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SourceSlots} does, whatever stores it. Each test names its own source, so one
 * store may serve them all. Time is a {@link TestClock} the tests move by hand.
 */
public abstract class SourceSlotsContract {
  protected static final Duration TTL = Duration.ofSeconds(60);
  private static final AtomicInteger SOURCES = new AtomicInteger();

  /** Slots of {@code sourceId} with the given cap and lease time-to-live, judging expiry by {@code clock}. */
  protected abstract SourceSlots slots(String sourceId, int capacity, Duration ttl, Clock clock);

  private final TestClock clock = new TestClock(Instant.parse("2026-11-26T10:00:00Z"));

  private SourceSlots slots(int capacity) {
    return slots("db-" + SOURCES.incrementAndGet() + "-" + System.nanoTime(), capacity, TTL, clock);
  }

  @Test
  void aCapOfTwoAdmitsTwoHoldersAndRefusesTheThird() {
    SourceSlots slots = slots(2);

    assertThat(slots.tryAcquire("a")).isPresent();
    assertThat(slots.tryAcquire("b")).isPresent();
    assertThat(slots.tryAcquire("c")).isEmpty();
  }

  @Test
  void releasingASlotLetsTheNextHolderIn() {
    SourceSlots slots = slots(2);
    Slot a = slots.tryAcquire("a").orElseThrow();
    slots.tryAcquire("b").orElseThrow();
    assertThat(slots.tryAcquire("c")).isEmpty();

    a.close();

    assertThat(slots.tryAcquire("c")).isPresent();
    a.close(); // idempotent: must not release anybody else's
    assertThat(slots.tryAcquire("d")).isEmpty();
  }

  @Test
  void acquiringAgainForTheSameHolderTakesNoSecondSlot() {
    SourceSlots slots = slots(2);

    assertThat(slots.tryAcquire("a")).isPresent();
    assertThat(slots.tryAcquire("a")).isPresent();

    assertThat(slots.tryAcquire("b")).isPresent();
    assertThat(slots.tryAcquire("c")).isEmpty();
  }

  @Test
  void theLeaseOfAHolderThatDiedIsReclaimedOnceItExpires() {
    SourceSlots slots = slots(1);
    Slot dead = slots.tryAcquire("killed-worker").orElseThrow();
    clock.advance(TTL.minusSeconds(1));
    assertThat(slots.tryAcquire("b")).as("still within the lease").isEmpty();

    clock.advance(Duration.ofSeconds(2));

    Optional<Slot> b = slots.tryAcquire("b");
    assertThat(b).as("expired lease reclaimed").isPresent();
    assertThat(dead.renew()).as("the dead holder cannot take it back: the cap is full").isFalse();
    assertThat(slots.tryAcquire("c")).isEmpty();
    dead.close(); // must not free b's slot
    assertThat(slots.tryAcquire("c")).isEmpty();
  }

  @Test
  void renewingExtendsTheLeaseByAFullTimeToLive() {
    SourceSlots slots = slots(1);
    Slot a = slots.tryAcquire("a").orElseThrow();
    clock.advance(TTL.multipliedBy(2).dividedBy(3));

    assertThat(a.renew()).isTrue();

    clock.advance(TTL.multipliedBy(2).dividedBy(3)); // past the first lease, within the renewed one
    assertThat(slots.tryAcquire("b")).isEmpty();
    clock.advance(TTL.dividedBy(2)); // past the renewed one
    assertThat(slots.tryAcquire("b")).isPresent();
  }

  @Test
  void aLeaseReclaimedWhileItsHolderStalledIsTakenBackOnRenewalWhenASlotIsFree() {
    SourceSlots slots = slots(2);
    Slot stalled = slots.tryAcquire("stalled").orElseThrow();
    clock.advance(TTL.plusSeconds(1));
    slots.tryAcquire("b").orElseThrow(); // drops the expired lease on the way

    assertThat(stalled.renew()).isTrue();

    assertThat(slots.tryAcquire("c")).as("stalled and b hold both slots").isEmpty();
  }

  @Test
  void aClosedSlotIsNeitherRenewedNorTakenBack() {
    SourceSlots slots = slots(1);
    Slot a = slots.tryAcquire("a").orElseThrow();
    a.close();

    assertThat(a.renew()).isFalse();

    assertThat(slots.tryAcquire("b")).isPresent();
  }

  @Test
  void sourcesHaveTheirOwnSlots() {
    String id = "db-" + SOURCES.incrementAndGet() + "-" + System.nanoTime();
    SourceSlots first = slots(id + "-first", 1, TTL, clock);
    SourceSlots second = slots(id + "-second", 1, TTL, clock);

    assertThat(first.tryAcquire("a")).isPresent();
    assertThat(second.tryAcquire("a")).isPresent();
    assertThat(first.tryAcquire("b")).isEmpty();
  }

  @Test
  void holdersRacingForTheSlotsNeverExceedTheCapAndFillItExactly() throws Exception {
    int capacity = 3;
    int threads = 8;
    SourceSlots slots = slots(capacity);
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Slot> won = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> racers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String holder = "racer-" + t;
        racers.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          slots.tryAcquire(holder).ifPresent(won::add);
          return null;
        }));
      }
      for (Future<?> racer : racers) {
        racer.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(won.size()).as("winners of one simultaneous race").isBetween(1, capacity);

    // A lost race may leave a slot free (the loser gave up); the free ones are taken, no more.
    int more = 0;
    while (slots.tryAcquire("late-" + more).isPresent()) {
      more++;
      assertThat(won.size() + more).as("slots taken").isLessThanOrEqualTo(capacity);
    }
    assertThat(won.size() + more).isEqualTo(capacity);
  }

  @Test
  void holdersChurningFromSeveralThreadsNeverHoldMoreThanTheCap() throws Exception {
    int capacity = 2;
    int threads = 6;
    int rounds = 12;
    SourceSlots slots = slots(capacity);
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicInteger acquisitions = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> churners = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        churners.add(pool.submit(() -> {
          for (int round = 0; round < rounds; round++) {
            Optional<Slot> slot = slots.tryAcquire("churner-" + thread + "-" + round);
            if (slot.isEmpty()) {
              continue;
            }
            try (Slot held = slot.get()) {
              acquisitions.incrementAndGet();
              mostAtOnce.accumulateAndGet(holding.incrementAndGet(), Math::max);
              // Holding it for a store round trip lets the others race meanwhile.
              assertThat(held.renew()).isTrue();
              holding.decrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> churner : churners) {
        churner.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(mostAtOnce.get()).as("most holders at once").isBetween(1, capacity);
    assertThat(acquisitions.get()).as("acquisitions").isPositive();
    assertThat(slots.tryAcquire("after-1")).as("every slot released").isPresent();
    assertThat(slots.tryAcquire("after-2")).isPresent();
    assertThat(slots.tryAcquire("after-3")).isEmpty();
  }

  /** A clock tests move by hand; safe to read from several threads. */
  protected static final class TestClock extends Clock {
    private final AtomicLong millis;

    public TestClock(Instant start) {
      this.millis = new AtomicLong(start.toEpochMilli());
    }

    public void advance(Duration duration) {
      millis.addAndGet(duration.toMillis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }
}
