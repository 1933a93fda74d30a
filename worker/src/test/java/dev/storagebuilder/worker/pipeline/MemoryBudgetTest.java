package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long KIB = 1024;
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final TargetRef REF = new TargetRef("acme", "items");

  private final MemoryBudget budget = new MemoryBudget(100 * KIB, 40 * KIB, 10 * KIB, 1_000, Duration.ofMillis(300));
  /** One thread per waiting target (the common pool may have a single thread on a small machine). */
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aRedeliveryOrAFullSyncOfATargetKnownLargeReservesInFull() {
    assertThat(budget.reservationFor(message(SyncMode.INCREMENTAL), version(10), 2)).isEqualTo(40 * KIB);
    assertThat(budget.reservationFor(message(SyncMode.FULL), Optional.empty(), 2)).isEqualTo(40 * KIB);
    assertThat(budget.reservationFor(message(SyncMode.FULL), version(1_001), 1)).isEqualTo(40 * KIB);
  }

  @Test
  void everyOtherTargetStartsWithTheSmallShare() {
    assertThat(budget.reservationFor(message(SyncMode.FULL), Optional.empty(), 1)).isEqualTo(10 * KIB);
    assertThat(budget.reservationFor(message(SyncMode.FULL), version(1_000), 1)).isEqualTo(10 * KIB);
    assertThat(budget.reservationFor(message(SyncMode.INCREMENTAL), version(5_000_000), 1)).isEqualTo(10 * KIB);
  }

  @Test
  void aSmallReservationGrowsToAFullOneOnceItsTargetReadsMoreRowsThanItCovers() throws Exception {
    try (MemoryBudget.Reservation reservation = budget.reserve(10 * KIB)) {
      reservation.rowsRead(1_000);
      assertThat(reservation.bytes()).isEqualTo(10 * KIB);

      reservation.rowsRead(1_024);
      assertThat(reservation.bytes()).isEqualTo(40 * KIB);
      assertThat(budget.availableBytes()).isEqualTo(60 * KIB);
      reservation.rowsRead(100_000);
      assertThat(reservation.bytes()).isEqualTo(40 * KIB);
    }
    assertThat(budget.availableBytes()).isEqualTo(100 * KIB);
  }

  @Test
  void aTargetThatCannotGrowStopsInsteadOfExceedingTheBudget() throws Exception {
    try (MemoryBudget.Reservation others = budget.reserve(70 * KIB);
        MemoryBudget.Reservation small = budget.reserve(10 * KIB)) {
      assertThatThrownBy(() -> small.rowsRead(2_048))
          .isInstanceOf(MemoryBudget.Outgrown.class)
          .hasMessageContaining("2048 rows");
      assertThat(small.bytes()).isEqualTo(10 * KIB);
      assertThat(budget.availableBytes()).isEqualTo(20 * KIB);
      assertThat(others.bytes()).isEqualTo(70 * KIB);
    }
  }

  @Test
  void whenEveryRunningTargetWaitsToGrowTheNewestStopsAtOnceInsteadOfAllWaitingItOut() throws Exception {
    // Three small targets fill the budget and all outgrow it: none can grow until one gives up.
    MemoryBudget tight = new MemoryBudget(30 * KIB, 25 * KIB, 10 * KIB, 1_000, Duration.ofMinutes(5));
    List<MemoryBudget.Reservation> smalls = List.of(tight.reserve(10 * KIB), tight.reserve(10 * KIB), tight.reserve(10 * KIB));
    List<CompletableFuture<String>> growths = new ArrayList<>();
    for (MemoryBudget.Reservation small : smalls) {
      growths.add(CompletableFuture.supplyAsync(() -> growOrGiveBack(small), threads));
    }
    // Far sooner than the five-minute wait: the newest grower stops, then the next, until one fits.
    CompletableFuture.allOf(growths.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    List<String> results = growths.stream().map(CompletableFuture::join).toList();
    assertThat(results).filteredOn("grown"::equals).hasSize(1);
    assertThat(results).filteredOn(r -> r.contains("every running target waits to grow")).hasSize(2);
    assertThat(tight.availableBytes()).isEqualTo(5 * KIB);
  }

  @Test
  void aGrowerWaitsForARunningTargetAndGoesBeforeTargetsThatWantToStart() throws Exception {
    MemoryBudget tight = new MemoryBudget(30 * KIB, 25 * KIB, 10 * KIB, 1_000, Duration.ofMinutes(5));
    MemoryBudget.Reservation running = tight.reserve(10 * KIB);
    MemoryBudget.Reservation outgrowing = tight.reserve(10 * KIB);
    CompletableFuture<String> growth = CompletableFuture.supplyAsync(() -> growOrGiveBack(outgrowing), threads);
    await().atMost(Duration.ofSeconds(2)).until(tight::hasWaiters);
    CompletableFuture<MemoryBudget.Reservation> starter =
        CompletableFuture.supplyAsync(() -> reserve(tight, 10 * KIB), threads);
    // 10 KiB are free: enough for the starter, but the grower needs 15 and came first.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
        .until(() -> !growth.isDone() && !starter.isDone());

    running.close();
    assertThat(growth.get(5, TimeUnit.SECONDS)).isEqualTo("grown");
    assertThat(outgrowing.bytes()).isEqualTo(25 * KIB);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !starter.isDone());
    outgrowing.close();
    assertThat(starter.get(5, TimeUnit.SECONDS).bytes()).isEqualTo(10 * KIB);
  }

  /**
   * A grower that arrives, or wakes, between a release and the first grower's turn saw "every
   * running target waits to grow" and gave up, though the first could go on with the memory just
   * given back and this one after it: a target postponed with the budget free for both.
   */
  @Test
  void aGrowerDoesNotGiveUpWhileTheGrowerAheadCanGoOnWithMemoryJustGivenBack() throws Exception {
    MemoryBudget tight = new MemoryBudget(200 * KIB, 100 * KIB, 10 * KIB, 1_000, Duration.ofMinutes(5));
    MemoryBudget.Reservation first = tight.reserve(10 * KIB);
    MemoryBudget.Reservation second = tight.reserve(10 * KIB);
    MemoryBudget.Reservation running = tight.reserve(100 * KIB);
    CompletableFuture<String> firstGrowth = CompletableFuture.supplyAsync(() -> growOrGiveBack(first), threads);
    await().atMost(Duration.ofSeconds(2)).until(tight::hasWaiters); // 80 KiB free, 90 wanted

    String secondGrowth;
    // Holding the budget's monitor from the release to the second grower's first look is one order
    // the threads can take: the first grower has been woken but not yet run.
    synchronized (tight) {
      running.close(); // 180 KiB free: 90 for the first, then 90 for the second
      secondGrowth = growOrGiveBack(second);
    }

    assertThat(secondGrowth).isEqualTo("grown");
    assertThat(firstGrowth.get(5, TimeUnit.SECONDS)).isEqualTo("grown");
    assertThat(first.bytes()).isEqualTo(100 * KIB);
    assertThat(second.bytes()).isEqualTo(100 * KIB);
    assertThat(tight.availableBytes()).isZero();
  }

  @Test
  void aReservationWaitsUntilEnoughIsGivenBack() throws Exception {
    MemoryBudget.Reservation first = budget.reserve(40 * KIB);
    MemoryBudget.Reservation second = budget.reserve(40 * KIB);
    MemoryBudget.Reservation small = budget.reserve(10 * KIB);
    assertThat(budget.availableBytes()).isEqualTo(10 * KIB);

    CompletableFuture<MemoryBudget.Reservation> third = CompletableFuture.supplyAsync(() -> reserve(40 * KIB));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !third.isDone());

    first.close();
    first.close(); // a second close gives nothing back twice
    assertThat(third.get().bytes()).isEqualTo(40 * KIB);
    assertThat(budget.availableBytes()).isEqualTo(10 * KIB);
    second.close();
    small.close();
    third.get().close();
    assertThat(budget.availableBytes()).isEqualTo(100 * KIB);
  }

  @Test
  void aWaitingLargeReservationIsNotOvertakenBySmallOnes() throws Exception {
    MemoryBudget.Reservation held = budget.reserve(70 * KIB);
    CompletableFuture<MemoryBudget.Reservation> large = CompletableFuture.supplyAsync(() -> reserve(40 * KIB));
    await().atMost(Duration.ofSeconds(2)).until(budget::hasWaiters);

    CompletableFuture<MemoryBudget.Reservation> small = CompletableFuture.supplyAsync(() -> reserve(10 * KIB));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !small.isDone());

    held.close();
    assertThat(large.get().bytes()).isEqualTo(40 * KIB);
    assertThat(small.get().bytes()).isEqualTo(10 * KIB);
  }

  @Test
  void oneTargetMustFitTheBudget() {
    assertThatThrownBy(() -> new MemoryBudget(30 * KIB, 40 * KIB, 10 * KIB, 1_000))
        .hasMessageContaining("exceeds the budget");
  }

  private MemoryBudget.Reservation reserve(long bytes) {
    return reserve(budget, bytes);
  }

  private static MemoryBudget.Reservation reserve(MemoryBudget from, long bytes) {
    try {
      return from.reserve(bytes);
    } catch (InterruptedException e) {
      throw new CompletionException(e);
    }
  }

  /** Like a target past its small share: grows, or stops and gives its reservation back. */
  private static String growOrGiveBack(MemoryBudget.Reservation reservation) {
    try {
      reservation.rowsRead(2_000);
      return "grown";
    } catch (MemoryBudget.Outgrown e) {
      reservation.close();
      return e.getMessage();
    }
  }

  private static TargetMessage message(SyncMode mode) {
    return TargetMessage.of("run-1", REF, mode, NOW);
  }

  private static Optional<TargetVersion> version(long rows) {
    return Optional.of(new TargetVersion(REF, 1, 100, "m", rows, "00", 0, "run-0", NOW));
  }
}
