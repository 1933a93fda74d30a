package dev.storagebuilder.producer.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.producer.testing.InMemoryRunLedger;
import dev.storagebuilder.common.testing.SettableClock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RunQueriesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final String FINISHED = "run-20260301T100000Z-aaaaaa";
  private static final String RUNNING = "run-20260301T110000Z-bbbbbb";
  private static final TargetRef A = new TargetRef("a", "raw_data");
  private static final TargetRef B = new TargetRef("b", "raw_data");

  /** The ledger, counting the reads that go through every target entry of a run. */
  private static final class CountingLedger extends InMemoryRunLedger {
    final AtomicInteger entryReads = new AtomicInteger();

    @Override
    public Optional<RunStatus> status(String runId) {
      entryReads.incrementAndGet();
      return super.status(runId);
    }

    @Override
    public List<TargetProgress> targets(String runId) {
      entryReads.incrementAndGet();
      return super.targets(runId);
    }
  }

  private final CountingLedger ledger = new CountingLedger();
  private final SettableClock clock = new SettableClock(NOW);
  private final RunQueries queries = new RunQueries(ledger, clock);

  @BeforeEach
  void twoRuns() {
    ledger.createRun(new RunRecord(FINISHED, "all", SyncMode.FULL, "test", NOW.minusSeconds(7200), 2));
    ledger.markOutcome(FINISHED, outcome(A, TargetState.SUCCEEDED, 10));
    ledger.markOutcome(FINISHED, outcome(B, TargetState.DEAD_LETTERED, 20));
    ledger.createRun(new RunRecord(RUNNING, "all", SyncMode.FULL, "test", NOW.minusSeconds(3600), 2));
    ledger.markOutcome(RUNNING, outcome(A, TargetState.SUCCEEDED, 30));
  }

  @Test
  void aFinishedRunsEntriesAreReadOnceAndARunningRunsOnEveryPoll() {
    List<RunView> first = queries.page(20, null).runs();
    int afterFirst = ledger.entryReads.get();
    List<RunView> second = queries.page(20, null).runs();
    List<RunView> third = queries.page(20, null).runs();

    assertThat(afterFirst).isEqualTo(2);
    assertThat(ledger.entryReads.get() - afterFirst)
        .as("two more polls read only the running run's entries")
        .isEqualTo(2);
    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(first).extracting(RunView::runId, RunView::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RUNNING, "running"),
            org.assertj.core.groups.Tuple.tuple(FINISHED, "failed"));
  }

  @Test
  void aFinishedRunReopenedByARedriveIsNotServedStale() {
    assertThat(finishedRun().state()).isEqualTo("failed");

    // A worker takes the redriven message of the dead-lettered target.
    ledger.markRunning(FINISHED, B, "w2");
    RunView reopened = finishedRun();
    ledger.markOutcome(FINISHED, outcome(B, TargetState.SUCCEEDED, 40));
    RunView finishedAgain = finishedRun();

    assertThat(reopened.state()).isEqualTo("running");
    assertThat(reopened.counts().running()).isEqualTo(1);
    assertThat(finishedAgain.state()).isEqualTo("succeeded");
    assertThat(finishedAgain.counts().deadLettered()).isZero();
    assertThat(finishedAgain.rows()).isEqualTo(50);
    assertThat(queries.run(FINISHED)).isEqualTo(finishedAgain);
  }

  @Test
  void aDeadLetterOverwrittenInOneWriteIsNotServedStale() {
    assertThat(finishedRun().state()).isEqualTo("failed");

    // A short target: the redriven message's success recorded without marking it running first.
    ledger.markFinished(FINISHED, outcome(B, TargetState.SUCCEEDED, 40));

    assertThat(finishedRun().state()).isEqualTo("succeeded");
    assertThat(finishedRun().rows()).isEqualTo(50);
  }

  @Test
  void aDeadLetterMarkedQueuedByARedriveIsNotServedStale() {
    assertThat(finishedRun().state()).isEqualTo("failed");
    TargetProgress seen = ledger.entries.get(FINISHED).get(B);

    ledger.markOutcomeIfUnchanged(FINISHED, seen, outcome(B, TargetState.QUEUED, 0));

    assertThat(finishedRun().state()).isEqualTo("running");
    assertThat(finishedRun().counts().queued()).isEqualTo(1);
  }

  @Test
  void aFinishedRunWhoseReopeningWentUncountedIsReadAgainAfterABoundedTime() {
    assertThat(finishedRun().state()).isEqualTo("failed");
    // The entry is written over, but its writer died before counting the reopening.
    ledger.entries
        .get(FINISHED)
        .put(B, outcome(B, TargetState.RUNNING, 0));

    clock.set(NOW.plus(RunQueries.FINISHED_KEPT_FOR).minusSeconds(1));
    assertThat(finishedRun().state()).as("kept").isEqualTo("failed");
    clock.set(NOW.plus(RunQueries.FINISHED_KEPT_FOR));
    assertThat(finishedRun().state()).isEqualTo("running");
  }

  /**
   * The ledger marks a write over a dead-lettered entry in flight before the write and counts it
   * after: a reader that read the entries in between kept them, and if the writer then died
   * before counting, served them stale (for five minutes).
   */
  @Test
  void aFinishedRunWithAReopeningInFlightIsNotKept() {
    assertThat(finishedRun().state()).isEqualTo("failed");
    RunRecord run = ledger.runs.get(FINISHED);

    ledger.runs.put(FINISHED, run.withReopeningInFlight(true));
    RunView begun = finishedRun();
    // The entry is written over, and its writer dies before counting the reopening.
    ledger.entries.get(FINISHED).put(B, outcome(B, TargetState.RUNNING, 0));
    int reads = ledger.entryReads.get();
    RunView written = finishedRun();

    assertThat(begun.state()).isEqualTo("failed");
    assertThat(written.state()).isEqualTo("running");
    assertThat(ledger.entryReads.get() - reads).as("its entries and the running run's").isEqualTo(2);
  }

  private RunView finishedRun() {
    return queries.page(20, null).runs().stream()
        .filter(r -> r.runId().equals(FINISHED))
        .findFirst()
        .orElseThrow();
  }

  private static TargetProgress outcome(TargetRef target, TargetState state, long rows) {
    return new TargetProgress(
        target, state, 1, null, "w1", rows, rows * 10, 5, 0, NOW.minusSeconds(600 - rows));
  }
}
