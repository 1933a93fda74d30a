package dev.storagebuilder.aws.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RunLedger} does, whatever stores it. Tests create fresh run ids, so one ledger
 * may serve them all; only {@link #recentRunsAreNewestFirstAndLimited()} needs that no other run is
 * dated after the year 2900.
 *
 * <p>Randomized specs take their seed from {@code -Dcontract.seed=N} (else a random one) and name
 * it in every failure message.
 */
public abstract class RunLedgerContract {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final SplittableRandom IDS = new SplittableRandom();

  /** The ledger under test. */
  protected abstract ConditionalRunLedger ledger();

  @Test
  void aWorkerCountsAsAliveFromItsLatestMark() {
    RunLedger ledger = ledger();
    String prefix = "w-" + new SplittableRandom().nextInt(1_000_000) + "-";
    Instant at = Instant.parse("2026-03-01T11:58:00Z");
    ledger.markWorkerAlive(prefix + "gone", at.minus(Duration.ofHours(2)));
    ledger.markWorkerAlive(prefix + "steady", at.minus(Duration.ofHours(2)));
    ledger.markWorkerAlive(prefix + "steady", at);
    ledger.markWorkerAlive(prefix + "new", at.plusSeconds(30));

    assertThat(ledger.workersAliveSince(at.minusSeconds(60)))
        .contains(prefix + "steady", prefix + "new")
        .doesNotContain(prefix + "gone");
    assertThat(ledger.workersAliveSince(at.plusSeconds(1)))
        .contains(prefix + "new")
        .doesNotContain(prefix + "steady", prefix + "gone");
  }

  @Test
  void aCreatedRunReadsBackAsWritten() {
    RunRecord run = newRun(7);

    ledger().createRun(run);

    assertThat(ledger().run(run.runId())).contains(run);
    assertThat(ledger().run("run-that-does-not-exist")).isEmpty();
    assertThat(ledger().status("run-that-does-not-exist")).isEmpty();
  }

  @Test
  void aRunNobodyTouchedHasEveryTargetQueued() {
    RunRecord run = newRun(5);
    ledger().createRun(run);

    RunStatus status = ledger().status(run.runId()).orElseThrow();

    assertThat(status.run()).isEqualTo(run);
    assertThat(status.count(TargetState.QUEUED)).isEqualTo(5);
    assertThat(status.state()).isEqualTo(RunStatus.State.RUNNING);
    assertThat(ledger().targets(run.runId())).isEmpty();
  }

  @Test
  void markRunningCountsEveryDeliveryOfATarget() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "raw_data");

    assertThat(ledger().markRunning(run.runId(), target, "worker-1")).isTrue();
    assertThat(ledger().markRunning(run.runId(), target, "worker-2")).isTrue();

    assertThat(ledger().targets(run.runId()))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.target()).isEqualTo(target);
              assertThat(p.state()).isEqualTo(TargetState.RUNNING);
              assertThat(p.attempts()).isEqualTo(2);
              assertThat(p.workerId()).isEqualTo("worker-2");
              assertThat(p.updatedAt()).isNotNull();
            });
  }

  @Test
  void markRunningAfterSuccessReturnsFalseAndChangesNothing() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "entities");
    ledger().markRunning(run.runId(), target, "worker-1");
    ledger().markOutcome(run.runId(), succeeded(target, "worker-1", 1, 1234, 5678, 3));
    List<TargetProgress> before = ledger().targets(run.runId());

    boolean marked = ledger().markRunning(run.runId(), target, "worker-late");

    assertThat(marked).isFalse();
    assertThat(ledger().targets(run.runId())).isEqualTo(before);
    assertThat(before.get(0).state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(before.get(0).rows()).isEqualTo(1234);
  }

  @Test
  void markFinishedRecordsTheOutcomeAndCountsTheAttemptInOneCall() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "dimensions");
    ledger().markFinished(run.runId(), failed(target, "worker-1", 0, "boom"));

    ledger().markFinished(run.runId(), succeeded(target, "worker-2", 0, 42, 84, 7));
    ledger().markFinished(run.runId(), failed(target, "worker-late", 0, "late duplicate"));

    TargetProgress entry = ledger().targets(run.runId()).get(0);
    assertThat(entry.state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(entry.attempts()).isEqualTo(2);
    assertThat(entry.workerId()).isEqualTo("worker-2");
    assertThat(entry.rows()).isEqualTo(42);
    assertThat(entry.versionSequence()).isEqualTo(7);
    assertThat(entry.lastError()).contains("boom");
  }

  @Test
  void aLateOutcomeNeverOverwritesASuccess() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "formulas");
    ledger().markOutcome(run.runId(), succeeded(target, "worker-1", 1, 10, 20, 4));

    ledger().markOutcome(run.runId(), failed(target, "worker-2", 2, "boom"));
    ledger().markOutcome(run.runId(), deadLettered(target, "worker-3", 3, "gave up"));

    TargetProgress entry = ledger().targets(run.runId()).get(0);
    assertThat(entry.state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(entry.workerId()).isEqualTo("worker-1");
    assertThat(entry.versionSequence()).isEqualTo(4);
    assertThat(entry.lastError()).isNull();
  }

  @Test
  void aRunWhoseEnqueueNeverFinishedFailsAtTheDeadlineWithItsUnstartedTargetsNotSent() {
    RunRecord run = enqueueing(newRun(3));
    ledger().createRun(run);
    TargetRef sent = new TargetRef("acme", "data_items");
    assertThat(ledger().markRunning(run.runId(), sent, "worker-1")).isTrue();
    ledger().markOutcome(run.runId(), succeeded(sent, "worker-1", 1, 10, 20, 1));
    Instant deadline = T0.plus(RunStatus.ENQUEUE_DEADLINE);

    RunStatus status = ledger().status(run.runId()).orElseThrow();

    assertThat(status.run().enqueueing()).isTrue();
    assertThat(status.withoutEntry()).isEqualTo(2);
    assertThat(status.state(deadline.minusSeconds(1))).isEqualTo(RunStatus.State.RUNNING);
    assertThat(status.notSent(deadline.minusSeconds(1))).isZero();
    assertThat(status.finishedAt(deadline.minusSeconds(1))).isEmpty();
    assertThat(status.state(deadline)).isEqualTo(RunStatus.State.FAILED);
    assertThat(status.notSent(deadline)).isEqualTo(2);
    assertThat(status.finishedAt(deadline.plusSeconds(60))).contains(deadline);
    assertThat(status.eta(deadline)).isEmpty();
  }

  @Test
  void aRunMarkedSentIsNoLongerEnqueueingAndRunsPastTheDeadline() {
    RunRecord run = enqueueing(newRun(2));
    ledger().createRun(run);
    assertThat(ledger().run(run.runId()).orElseThrow().enqueueing()).isTrue();

    ledger().markRunSent(run.runId());
    ledger().markRunSent(run.runId());

    RunStatus status = ledger().status(run.runId()).orElseThrow();
    assertThat(status.run()).isEqualTo(newRunLike(run, false));
    Instant muchLater = T0.plus(RunStatus.ENQUEUE_DEADLINE).plus(Duration.ofHours(5));
    assertThat(status.state(muchLater)).isEqualTo(RunStatus.State.RUNNING);
    assertThat(status.notSent(muchLater)).isZero();
    assertThat(status.count(TargetState.QUEUED)).isEqualTo(2);
  }

  @Test
  void markingAnUnknownRunSentRecordsNoRun() {
    String runId = newRun(1).runId();

    ledger().markRunSent(runId);

    assertThat(ledger().run(runId)).isEmpty();
  }

  @Test
  void aDeadLetteredTargetMaySucceedAfterARedrive() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "data_items");
    ledger().markOutcome(run.runId(), deadLettered(target, "worker-1", 5, "source unreachable"));
    assertThat(ledger().status(run.runId()).orElseThrow().state())
        .isEqualTo(RunStatus.State.FAILED);

    assertThat(ledger().markRunning(run.runId(), target, "worker-2")).isTrue();
    ledger().markOutcome(run.runId(), succeeded(target, "worker-2", 6, 1, 2, 1));

    RunStatus status = ledger().status(run.runId()).orElseThrow();
    assertThat(status.count(TargetState.SUCCEEDED)).isEqualTo(1);
    assertThat(status.count(TargetState.DEAD_LETTERED)).isZero();
    assertThat(status.state()).isEqualTo(RunStatus.State.SUCCEEDED);
    assertThat(ledger().targets(run.runId()).get(0).lastError()).isEqualTo("source unreachable");
  }

  @Test
  void everyWriteOverADeadLetteredEntryCountsAReopeningOfItsRunAndNoOtherWriteDoes() {
    RunRecord run = newRun(4);
    ledger().createRun(run);
    String id = run.runId();
    TargetRef running = new TargetRef("acme", "raw_data");
    TargetRef finished = new TargetRef("acme", "entities");
    TargetRef queued = new TargetRef("bolt", "raw_data");
    TargetRef batched = new TargetRef("bolt", "entities");
    for (TargetRef target : List.of(running, finished, queued, batched)) {
      ledger().markRunning(id, target, "worker-1");
      ledger().markOutcome(id, failed(target, "worker-1", 1, "retry"));
      ledger().markOutcome(id, deadLettered(target, "worker-1", 2, "poison"));
    }
    ledger().markOutcome(id, deadLettered(running, "worker-1", 2, "poison"));
    assertThat(ledger().run(id).orElseThrow().reopenings())
        .as("writes over new, running and failed entries, and one over a dead-letter")
        .isEqualTo(1);

    ledger().markRunning(id, running, "worker-2");
    ledger().markFinished(id, succeeded(finished, "worker-2", 0, 1, 1, 1));
    TargetProgress seen =
        ledger().targets(id).stream().filter(t -> t.target().equals(queued)).findFirst().orElseThrow();
    ledger()
        .markOutcomeIfUnchanged(
            id,
            seen,
            new TargetProgress(queued, TargetState.QUEUED, 2, null, null, 0, 0, 0, 0, T0.plusSeconds(99)));
    ledger()
        .markSucceeded(
            List.of(new RunLedger.Success(id, succeeded(batched, "worker-2", 0, 1, 1, 1), false)));
    assertThat(ledger().run(id).orElseThrow().reopenings()).isEqualTo(5);

    ledger().markOutcome(id, succeeded(running, "worker-2", 3, 1, 1, 1));
    ledger().markRunning(id, finished, "worker-3");
    assertThat(ledger().run(id).orElseThrow().reopenings())
        .as("over running and succeeded entries")
        .isEqualTo(5);
    assertThat(ledger().recentRuns(10_000).stream().filter(r -> r.runId().equals(id)))
        .singleElement()
        .extracting(RunRecord::reopenings)
        .isEqualTo(5L);
  }

  @Test
  void aConditionalOutcomeIsWrittenOnlyOverTheEntryAsItWasRead() {
    RunRecord run = newRun(1);
    ledger().createRun(run);
    TargetRef target = new TargetRef("acme", "raw_data");
    ledger().markOutcome(run.runId(), deadLettered(target, "worker-1", 3, "poison"));
    TargetProgress seen = ledger().targets(run.runId()).get(0);
    TargetProgress queued =
        new TargetProgress(
            target, TargetState.QUEUED, 0, null, null, 0, 0, 0, 0, T0.plusSeconds(60));

    // A worker dead-letters the target again after it was read: the conditional write loses.
    ledger()
        .markOutcome(
            run.runId(),
            new TargetProgress(
                target, TargetState.DEAD_LETTERED, 4, "poison again", "worker-2", 0, 0, 0, 0,
                T0.plusSeconds(30)));
    assertThat(ledger().markOutcomeIfUnchanged(run.runId(), seen, queued)).isFalse();
    TargetProgress entry = ledger().targets(run.runId()).get(0);
    assertThat(entry.state()).isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(entry.lastError()).isEqualTo("poison again");

    // Over the entry as read now, it is written.
    assertThat(ledger().markOutcomeIfUnchanged(run.runId(), entry, queued)).isTrue();
    assertThat(ledger().targets(run.runId()).get(0).state()).isEqualTo(TargetState.QUEUED);
    assertThat(ledger().markOutcomeIfUnchanged(run.runId(), entry, queued))
        .as("the entry changed since it was read")
        .isFalse();
  }

  @Test
  void countsAreDerivedExactlyUnderDuplicatesAndRedelivery() {
    long seed = VersionLedgerContract.seed();
    SplittableRandom random = new SplittableRandom(seed);
    int total = 20 + random.nextInt(21);
    RunRecord run = newRun(total);
    ledger().createRun(run);

    // A model of the contract: one entry per target; SUCCEEDED is sticky.
    Map<TargetRef, TargetState> model = new HashMap<>();
    Map<TargetRef, Long> modelRows = new HashMap<>();
    int touched = random.nextInt(total + 1);
    int events = touched * 4;
    for (int e = 0; e < events; e++) {
      TargetRef target = new TargetRef("client-" + random.nextInt(touched), "raw_data");
      TargetState current = model.get(target);
      switch (random.nextInt(4)) {
        case 0 -> {
          boolean marked = ledger().markRunning(run.runId(), target, "w" + random.nextInt(3));
          assertThat(marked)
              .as("seed %d: markRunning of %s in %s", seed, target, current)
              .isEqualTo(current != TargetState.SUCCEEDED);
          if (marked) {
            model.put(target, TargetState.RUNNING);
            modelRows.put(target, modelRows.getOrDefault(target, 0L));
          }
        }
        case 1 -> {
          long rows = random.nextLong(1_000_000);
          ledger().markOutcome(run.runId(), succeeded(target, "w", 0, rows, rows * 10, 1));
          if (current != TargetState.SUCCEEDED) {
            model.put(target, TargetState.SUCCEEDED);
            modelRows.put(target, rows);
          }
        }
        case 2 -> {
          ledger().markOutcome(run.runId(), failed(target, "w", 0, "timeout"));
          if (current != TargetState.SUCCEEDED) {
            model.put(target, TargetState.FAILED);
            modelRows.put(target, 0L);
          }
        }
        default -> {
          ledger().markOutcome(run.runId(), deadLettered(target, "w", 0, "poison"));
          if (current != TargetState.SUCCEEDED) {
            model.put(target, TargetState.DEAD_LETTERED);
            modelRows.put(target, 0L);
          }
        }
      }
    }

    RunStatus status = ledger().status(run.runId()).orElseThrow();

    Map<TargetState, Integer> expected = new EnumMap<>(TargetState.class);
    for (TargetState state : TargetState.values()) {
      expected.put(state, 0);
    }
    model.values().forEach(state -> expected.merge(state, 1, Integer::sum));
    expected.merge(TargetState.QUEUED, total - model.size(), Integer::sum);
    assertThat(status.counts()).as("seed %d: counts", seed).isEqualTo(expected);
    assertThat(status.counts().values().stream().mapToInt(Integer::intValue).sum())
        .as("seed %d: every target counted once", seed)
        .isEqualTo(total);
    assertThat(status.rows())
        .as("seed %d: rows", seed)
        .isEqualTo(modelRows.values().stream().mapToLong(Long::longValue).sum());
    assertThat(ledger().targets(run.runId())).as("seed %d: entries", seed).hasSize(model.size());
  }

  @Test
  void successesWrittenTogetherLeaveEachEntryAsTheirOwnWritesWould() {
    long seed = VersionLedgerContract.seed();
    SplittableRandom random = new SplittableRandom(seed);
    RunRecord oneByOne = newRun(30);
    RunRecord together = newRun(30);
    ledger().createRun(oneByOne);
    ledger().createRun(together);
    List<RunLedger.Success> successes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TargetRef target = new TargetRef("client-" + i, "raw_data");
      // What came before the success, the same in both runs.
      int history = random.nextInt(5);
      boolean markedRunning = false;
      for (RunRecord run : List.of(oneByOne, together)) {
        switch (history) {
          case 0 -> {} // no entry yet
          case 1 -> {
            ledger().markRunning(run.runId(), target, "w-old");
            ledger().markRunning(run.runId(), target, "w-now");
            markedRunning = true;
          }
          case 2 -> ledger().markFinished(run.runId(), failed(target, "w-old", 0, "boom " + i));
          case 3 -> ledger().markFinished(run.runId(), succeeded(target, "w-first", 0, 5, 50, 1));
          default -> ledger().markOutcome(run.runId(), deadLettered(target, "w-old", 4, "poison " + i));
        }
      }
      TargetProgress success = succeeded(target, "w-now", 0, 100 + i, 1000 + i, 2);
      if (markedRunning) {
        ledger().markOutcome(oneByOne.runId(), success);
      } else {
        ledger().markFinished(oneByOne.runId(), success);
      }
      successes.add(new RunLedger.Success(together.runId(), success, markedRunning));
      if (i % 7 == 0) {
        // A second copy's success in the same call: a late duplicate.
        TargetProgress late = succeeded(target, "w-late", 0, 7, 70, 3);
        ledger().markOutcome(oneByOne.runId(), late);
        successes.add(new RunLedger.Success(together.runId(), late, true));
      }
      // Another run's entries mixed in: one call may carry several runs.
      successes.add(new RunLedger.Success(oneByOne.runId(), succeeded(target, "w-late", 0, 7, 70, 3), true));
    }

    ledger().markSucceeded(successes);

    Map<TargetRef, TargetProgress> expected = new HashMap<>();
    ledger().targets(oneByOne.runId()).forEach(p -> expected.put(p.target(), p));
    Map<TargetRef, TargetProgress> actual = new HashMap<>();
    ledger().targets(together.runId()).forEach(p -> actual.put(p.target(), p));
    assertThat(actual).as("seed %d", seed).hasSize(30).isEqualTo(expected);
    assertThat(ledger().status(together.runId()).orElseThrow().state()).isEqualTo(RunStatus.State.SUCCEEDED);
  }

  @Test
  void aRunIsFinishedWhenEveryTargetIsSucceededOrDeadLettered() {
    RunRecord run = newRun(3);
    ledger().createRun(run);
    ledger().markOutcome(run.runId(), succeeded(new TargetRef("a", "raw_data"), "w", 1, 5, 50, 1));
    ledger().markOutcome(run.runId(), succeeded(new TargetRef("b", "raw_data"), "w", 1, 7, 70, 1));
    RunStatus twoOfThree = ledger().status(run.runId()).orElseThrow();
    assertThat(twoOfThree.isFinished()).isFalse();
    assertThat(twoOfThree.count(TargetState.QUEUED)).isEqualTo(1);

    ledger()
        .markOutcome(run.runId(), deadLettered(new TargetRef("c", "raw_data"), "w", 5, "poison"));

    RunStatus done = ledger().status(run.runId()).orElseThrow();
    assertThat(done.isFinished()).isTrue();
    assertThat(done.state()).isEqualTo(RunStatus.State.FAILED);
    assertThat(done.rows()).isEqualTo(12);
    assertThat(done.bytes()).isEqualTo(120);
    assertThat(done.lastUpdate()).isNotNull();
  }

  @Test
  void targetsListsEveryEntryOfALargeRun() {
    RunRecord run = newRun(150);
    ledger().createRun(run);
    for (int i = 0; i < 150; i++) {
      ledger().markRunning(run.runId(), new TargetRef("client-" + i, "raw_data"), "w");
    }

    List<TargetProgress> targets = ledger().targets(run.runId());

    assertThat(targets).hasSize(150);
    assertThat(targets).extracting(p -> p.target().clientId()).doesNotHaveDuplicates();
    assertThat(ledger().status(run.runId()).orElseThrow().count(TargetState.RUNNING))
        .isEqualTo(150);
  }

  @Test
  void recentRunsAreNewestFirstAndLimited() {
    // Dated far ahead so no other test's run is newer.
    Instant base = Instant.parse("2950-01-01T00:00:00Z").plusSeconds(IDS.nextInt(1_000_000) * 60L);
    List<RunRecord> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Instant at = base.plusSeconds(i);
      RunRecord run = new RunRecord(Ids.newRunId(at, IDS), "all", SyncMode.FULL, "test", at, i + 1);
      ledger().createRun(run);
      created.add(run);
    }

    List<RunRecord> recent = ledger().recentRuns(3);

    assertThat(recent).containsExactly(created.get(4), created.get(3), created.get(2));
    assertThat(ledger().recentRuns(1)).containsExactly(created.get(4));
    assertThat(ledger().runsBefore(created.get(2).runId(), 10))
        .startsWith(created.get(1), created.get(0));
    assertThat(ledger().runsBefore(created.get(4).runId(), 2))
        .containsExactly(created.get(3), created.get(2));
  }

  protected static RunRecord enqueueing(RunRecord run) {
    return newRunLike(run, true);
  }

  private static RunRecord newRunLike(RunRecord run, boolean enqueueing) {
    return new RunRecord(
        run.runId(),
        run.scope(),
        run.mode(),
        run.requestedBy(),
        run.requestedAt(),
        run.totalTargets(),
        enqueueing);
  }

  protected static RunRecord newRun(int totalTargets) {
    return new RunRecord(
        Ids.newRunId(T0.plusSeconds(IDS.nextInt(86_400)), IDS),
        "all",
        SyncMode.INCREMENTAL,
        "contract-test",
        T0,
        totalTargets);
  }

  protected static TargetProgress succeeded(
      TargetRef target, String worker, int attempts, long rows, long bytes, long sequence) {
    return new TargetProgress(
        target,
        TargetState.SUCCEEDED,
        attempts,
        null,
        worker,
        rows,
        bytes,
        42,
        sequence,
        T0.plusSeconds(60));
  }

  protected static TargetProgress failed(
      TargetRef target, String worker, int attempts, String error) {
    return new TargetProgress(
        target, TargetState.FAILED, attempts, error, worker, 0, 0, 7, 0, T0.plusSeconds(30));
  }

  protected static TargetProgress deadLettered(
      TargetRef target, String worker, int attempts, String error) {
    return new TargetProgress(
        target, TargetState.DEAD_LETTERED, attempts, error, worker, 0, 0, 7, 0, T0.plusSeconds(90));
  }
}
