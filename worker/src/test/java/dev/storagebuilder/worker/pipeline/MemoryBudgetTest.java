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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long KIB = 1024;
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final TargetRef REF = new TargetRef("acme", "items");

  private final MemoryBudget budget = new MemoryBudget(100 * KIB, 40 * KIB, 10 * KIB, 1_000, Duration.ofMillis(300));

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
    try {
      return budget.reserve(bytes);
    } catch (InterruptedException e) {
      throw new CompletionException(e);
    }
  }

  private static TargetMessage message(SyncMode mode) {
    return TargetMessage.of("run-1", REF, mode, NOW);
  }

  private static Optional<TargetVersion> version(long rows) {
    return Optional.of(new TargetVersion(REF, 1, 100, "m", rows, "00", 0, "run-0", NOW));
  }
}
