package dev.storagebuilder.producer.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.producer.ConflictException;
import dev.storagebuilder.producer.dlq.RedriveRequest.RunChoice;
import dev.storagebuilder.producer.testing.FakeDeadLetterQueue;
import dev.storagebuilder.producer.testing.InMemoryRunLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DlqRedriverTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final String RUN = "run-20260301T110000Z-abcdef";

  private final FakeDeadLetterQueue dlq = new FakeDeadLetterQueue();
  private final InMemoryRunLedger ledger = new InMemoryRunLedger();
  private final List<WorkQueue.Outbound> resent = new ArrayList<>();
  private final Map<String, String> sendFailures = new HashMap<>();
  /** Whether each message's run said its enqueue was in progress when the message was sent. */
  private final List<Boolean> runEnqueueingAtSend = new ArrayList<>();
  private final WorkQueue work =
      messages -> {
        Map<String, String> failed = new HashMap<>();
        for (WorkQueue.Outbound message : messages) {
          runEnqueueingAtSend.add(ledger.runs.get(runIdOf(message)).enqueueing());
          if (sendFailures.containsKey(message.id())) {
            failed.put(message.id(), sendFailures.get(message.id()));
          } else {
            resent.add(message);
          }
        }
        return failed;
      };
  private final DlqRedriver redriver =
      new DlqRedriver(
          dlq, work, ledger, Clock.fixed(NOW, ZoneOffset.UTC), new Random(3), 1_000, Duration.ZERO);

  @BeforeEach
  void fillTheDlq() {
    ledger.createRun(new RunRecord(RUN, "all", SyncMode.FULL, "test", NOW.minusSeconds(3600), 4));
    put("m1", "a", "raw_data", "source-unavailable", 600);
    put("m2", "a", "entities", null, 60);
    put("m3", "b", "raw_data", "source-unavailable", 600);
    dlq.put("m4", "{not json", "malformed-json", NOW.minusSeconds(900));
    for (TargetRef ref :
        List.of(
            new TargetRef("a", "raw_data"),
            new TargetRef("a", "entities"),
            new TargetRef("b", "raw_data"))) {
      ledger.markOutcome(
          RUN,
          new TargetProgress(
              ref, TargetState.DEAD_LETTERED, 5, "boom", "w1", 0, 0, 0, 0, NOW.minusSeconds(60)));
    }
  }

  private static String runIdOf(WorkQueue.Outbound message) {
    try {
      return TargetMessageCodec.decode(message.body()).runId();
    } catch (dev.storagebuilder.common.message.InvalidMessageException e) {
      throw new AssertionError(e);
    }
  }

  private void put(String id, String client, String target, String reason, long ageSeconds) {
    String body =
        TargetMessageCodec.encode(
            TargetMessage.of(
                RUN, new TargetRef(client, target), SyncMode.FULL, NOW.minusSeconds(3600)));
    dlq.put(id, body, reason, NOW.minusSeconds(ageSeconds));
  }

  private RedriveResult.Filtered filtered(boolean dryRun, RedriveFilter filter, RunChoice run) {
    return (RedriveResult.Filtered)
        redriver.redrive(new RedriveRequest(dryRun, Optional.ofNullable(filter), run));
  }

  @Test
  void dryRunReportsExactlyWhatWouldMoveAndMovesNothing() {
    RedriveResult.Filtered result =
        filtered(true, new RedriveFilter("a", null, null, null), RunChoice.ORIGINAL);

    assertThat(result.dryRun()).isTrue();
    assertThat(result.scanned()).isEqualTo(4);
    assertThat(result.complete()).isTrue();
    assertThat(result.matched()).isEqualTo(2);
    assertThat(result.moved()).isZero();
    assertThat(result.messages())
        .extracting(RedriveResult.Entry::messageId, RedriveResult.Entry::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("m1", "would-move"),
            org.assertj.core.groups.Tuple.tuple("m2", "would-move"));
    assertThat(resent).isEmpty();
    assertThat(dlq.ids()).containsExactly("m1", "m2", "m3", "m4");
    assertThat(dlq.visibleCount()).as("everything released").isEqualTo(4);
  }

  @Test
  void filteredRedriveMovesOnlyMatchesAndReleasesTheRest() {
    RedriveResult.Filtered result =
        filtered(
            false,
            new RedriveFilter(null, "raw_data", "source-unavailable", null),
            RunChoice.ORIGINAL);

    assertThat(result.matched()).isEqualTo(2);
    assertThat(result.moved()).isEqualTo(2);
    assertThat(result.newRunId()).isNull();
    assertThat(resent).extracting(WorkQueue.Outbound::clientId).containsExactly("a", "b");
    assertThat(dlq.ids()).containsExactly("m2", "m4");
    assertThat(dlq.visibleCount()).isEqualTo(2);
    // Same body: same run.
    assertThat(resent.get(0).body()).contains(RUN);
    // The original run counts them as queued again.
    assertThat(ledger.entries.get(RUN).get(new TargetRef("a", "raw_data")).state())
        .isEqualTo(TargetState.QUEUED);
    assertThat(ledger.entries.get(RUN).get(new TargetRef("a", "raw_data")).attempts()).isEqualTo(5);
    assertThat(ledger.entries.get(RUN).get(new TargetRef("b", "raw_data")).state())
        .isEqualTo(TargetState.QUEUED);
    assertThat(ledger.entries.get(RUN).get(new TargetRef("a", "entities")).state())
        .isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(ledger.status(RUN).orElseThrow().state())
        .isEqualTo(dev.storagebuilder.common.ledger.RunStatus.State.RUNNING);
  }

  @Test
  void ageFilterCountsFromTheMessagesSentTimestampOnTheDlq() {
    RedriveResult.Filtered result =
        filtered(true, new RedriveFilter(null, null, null, 300L), RunChoice.ORIGINAL);
    assertThat(result.messages())
        .extracting(RedriveResult.Entry::messageId)
        .containsExactly("m1", "m3", "m4");
  }

  @Test
  void messagesWithoutAReasonAttributeCountAsExhaustedRetries() {
    RedriveResult.Filtered result =
        filtered(
            true,
            new RedriveFilter(null, null, DlqMessage.REASON_MAX_RECEIVES, null),
            RunChoice.ORIGINAL);
    assertThat(result.messages()).extracting(RedriveResult.Entry::messageId).containsExactly("m2");
  }

  @Test
  void aFailedSendLeavesTheMessageInTheDlq() {
    sendFailures.put("m3", "InternalError: try later");

    RedriveResult.Filtered result =
        filtered(false, new RedriveFilter(null, "raw_data", null, null), RunChoice.ORIGINAL);

    assertThat(result.moved()).isEqualTo(1);
    assertThat(result.failed()).isEqualTo(1);
    assertThat(result.messages())
        .filteredOn(e -> e.messageId().equals("m3"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo("send-failed");
              assertThat(e.error()).isEqualTo("InternalError: try later");
            });
    assertThat(dlq.ids()).containsExactly("m2", "m3", "m4");
    assertThat(dlq.visibleCount()).isEqualTo(3);
    assertThat(ledger.entries.get(RUN).get(new TargetRef("b", "raw_data")).state())
        .isEqualTo(TargetState.DEAD_LETTERED);
  }

  @Test
  void aTargetDeadLetteredAgainWhileItsMessageIsRedrivenStaysDeadLettered() {
    TargetRef target = new TargetRef("b", "raw_data");
    // A worker behind the work queue that rejects the message again at once (a poison message).
    WorkQueue rejectingAtOnce =
        messages -> {
          for (WorkQueue.Outbound message : messages) {
            ledger.markFinished(
                RUN,
                new TargetProgress(
                    target, TargetState.DEAD_LETTERED, 0, "poison again", "w2", 0, 0, 0, 0,
                    NOW.plusMillis(5)));
            dlq.put("m3-again", message.body(), "poison", NOW);
          }
          return Map.of();
        };
    DlqRedriver redriver =
        new DlqRedriver(
            dlq,
            rejectingAtOnce,
            ledger,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new Random(3),
            1_000,
            Duration.ZERO);

    redriver.redrive(
        new RedriveRequest(
            false, Optional.of(new RedriveFilter("b", null, null, null)), RunChoice.ORIGINAL));

    assertThat(dlq.ids()).contains("m3-again").doesNotContain("m3");
    TargetProgress entry = ledger.entries.get(RUN).get(target);
    assertThat(entry.state()).isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(entry.lastError()).isEqualTo("poison again");
    assertThat(ledger.calls)
        .as("marked queued only after the message went out, and refused: the worker wrote since")
        .containsSubsequence(
            "markOutcome " + RUN + " b/raw_data dead-lettered",
            "markOutcomeIfUnchanged " + RUN + " b/raw_data queued");
  }

  @Test
  void aProducerDyingMidResendIntoTheOriginalRunLeavesNoTargetQueuedForGood() {
    // The process stops during the send (killed, out of memory): nothing after it runs.
    WorkQueue dyingMidSend =
        messages -> {
          throw new OutOfMemoryError("the producer dies while re-sending");
        };
    DlqRedriver redriver =
        new DlqRedriver(
            dlq,
            dyingMidSend,
            ledger,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new Random(3),
            1_000,
            Duration.ZERO);

    assertThatThrownBy(
            () ->
                redriver.redrive(
                    new RedriveRequest(
                        false,
                        Optional.of(new RedriveFilter(null, "raw_data", null, null)),
                        RunChoice.ORIGINAL)))
        .isInstanceOf(OutOfMemoryError.class);

    assertThat(ledger.entries.get(RUN).values())
        .as("no message was sent, so no target may wait for one")
        .extracting(TargetProgress::state)
        .containsOnly(TargetState.DEAD_LETTERED);
    assertThat(ledger.status(RUN).orElseThrow().count(TargetState.QUEUED))
        .as("only the target that never had an entry")
        .isEqualTo(1);
  }

  @Test
  void intoANewRunRecordsTheRunFirstAndReaddressesTheMessages() throws InvalidMessageException {
    RedriveResult.Filtered result = filtered(false, null, RunChoice.NEW);

    assertThat(result.newRunId()).startsWith("run-20260301T120000Z-");
    assertThat(result.matched()).isEqualTo(4);
    assertThat(result.moved()).isEqualTo(3);
    assertThat(result.skipped()).as("the malformed body cannot join a run").isEqualTo(1);
    RunRecord run = ledger.runs.get(result.newRunId());
    assertThat(run.totalTargets()).isEqualTo(3);
    assertThat(run.scope()).isEqualTo("redrive:all");
    assertThat(run.requestedBy()).isEqualTo("dlq-redrive");
    assertThat(ledger.calls.indexOf("createRun " + result.newRunId())).isGreaterThanOrEqualTo(0);
    List<TargetMessage> bodies = new ArrayList<>();
    for (WorkQueue.Outbound message : resent) {
      bodies.add(TargetMessageCodec.decode(message.body()));
    }
    assertThat(bodies).extracting(TargetMessage::runId).containsOnly(result.newRunId());
    assertThat(bodies)
        .extracting(m -> m.targetRef().toString())
        .containsExactly("a/raw_data", "a/entities", "b/raw_data");
    assertThat(bodies).extracting(TargetMessage::requestedAt).containsOnly(NOW);
    assertThat(dlq.ids()).containsExactly("m4");
    // The original run is untouched: its targets stay dead-lettered there.
    assertThat(ledger.entries.get(RUN).values())
        .extracting(TargetProgress::state)
        .containsOnly(TargetState.DEAD_LETTERED);
  }

  @Test
  void intoANewRunTwoDeadLettersOfOneTargetBecomeOneMessageAndBothLeaveTheDlq()
      throws InvalidMessageException {
    String otherRun = "run-20260301T100000Z-ghijkl";
    dlq.put(
        "m5",
        TargetMessageCodec.encode(
            TargetMessage.of(
                otherRun,
                new TargetRef("a", "raw_data"),
                SyncMode.FULL,
                NOW.minusSeconds(7200))),
        "source-unavailable",
        NOW.minusSeconds(30));

    RedriveResult.Filtered result =
        filtered(false, new RedriveFilter(null, "raw_data", null, null), RunChoice.NEW);

    assertThat(result.matched()).isEqualTo(3);
    assertThat(result.moved()).as("every copy left the DLQ").isEqualTo(3);
    assertThat(ledger.runs.get(result.newRunId()).totalTargets()).isEqualTo(2);
    assertThat(resent).extracting(WorkQueue.Outbound::id).containsExactly("m1", "m3");
    List<TargetRef> targets = new ArrayList<>();
    for (WorkQueue.Outbound message : resent) {
      targets.add(TargetMessageCodec.decode(message.body()).targetRef());
    }
    assertThat(targets)
        .containsExactly(new TargetRef("a", "raw_data"), new TargetRef("b", "raw_data"));
    assertThat(dlq.ids()).containsExactly("m2", "m4");
    for (TargetRef target : targets) {
      ledger.markOutcome(
          result.newRunId(),
          new TargetProgress(target, TargetState.SUCCEEDED, 1, null, "w1", 1, 1, 1, 1, NOW));
    }
    assertThat(ledger.status(result.newRunId()).orElseThrow().isFinished()).isTrue();
  }

  @Test
  void aNewRunSaysItsEnqueueIsInProgressUntilTheCopiesAreSentSoAProducerDyingMidSendFailsIt() {
    sendFailures.put("m3", "InternalError: try later");

    RedriveResult.Filtered result =
        filtered(false, new RedriveFilter(null, "raw_data", null, null), RunChoice.NEW);

    assertThat(runEnqueueingAtSend).containsExactly(true, true);
    assertThat(ledger.runs.get(result.newRunId()).enqueueing()).isFalse();
    assertThat(ledger.calls).last().isEqualTo("markRunSent " + result.newRunId());
    assertThat(ledger.status(result.newRunId()).orElseThrow().state(NOW.plus(Duration.ofDays(1))))
        .isEqualTo(RunStatus.State.RUNNING);
  }

  @Test
  void intoANewRunTheCopiesOfATargetWhoseSendFailedStayInTheDlq() {
    dlq.put(
        "m5",
        TargetMessageCodec.encode(
            TargetMessage.of(
                RUN, new TargetRef("a", "raw_data"), SyncMode.FULL, NOW.minusSeconds(3600))),
        "source-unavailable",
        NOW.minusSeconds(30));
    sendFailures.put("m1", "InternalError: try later");

    RedriveResult.Filtered result =
        filtered(false, new RedriveFilter("a", "raw_data", null, null), RunChoice.NEW);

    assertThat(result.moved()).isZero();
    assertThat(result.failed()).isEqualTo(2);
    assertThat(result.messages())
        .extracting(RedriveResult.Entry::outcome)
        .containsOnly("send-failed");
    assertThat(dlq.ids()).contains("m1", "m5");
    RunRecord run = ledger.runs.get(result.newRunId());
    assertThat(run.totalTargets()).isEqualTo(1);
    assertThat(ledger.entries.get(result.newRunId()).get(new TargetRef("a", "raw_data")).state())
        .isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(ledger.status(result.newRunId()).orElseThrow().isFinished()).isTrue();
  }

  @Test
  void everythingIntoTheOriginalRunsUsesTheQueuesMoveTask() {
    RedriveResult result =
        redriver.redrive(new RedriveRequest(false, Optional.empty(), RunChoice.ORIGINAL));

    assertThat(result).isEqualTo(new RedriveResult.MoveTaskStarted("task-1", 4));
    assertThat(resent).isEmpty();
    assertThat(dlq.receives).isZero();
  }

  @Test
  void aSecondMoveTaskWhileOneRunsIsAConflict() {
    redriver.redrive(new RedriveRequest(false, Optional.empty(), RunChoice.ORIGINAL));

    assertThatThrownBy(
            () -> redriver.redrive(new RedriveRequest(false, Optional.empty(), RunChoice.ORIGINAL)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("task-1");
  }

  @Test
  void theWalkStopsAtTheScanLimitAndSaysSo() {
    DlqRedriver limited =
        new DlqRedriver(
            dlq, work, ledger, Clock.fixed(NOW, ZoneOffset.UTC), new Random(3), 2, Duration.ZERO);

    RedriveResult.Filtered result =
        (RedriveResult.Filtered)
            limited.redrive(new RedriveRequest(true, Optional.empty(), RunChoice.ORIGINAL));

    assertThat(result.scanned()).isEqualTo(2);
    assertThat(result.complete()).isFalse();
    assertThat(dlq.visibleCount()).isEqualTo(4);
  }

  @Test
  void statsCountByReasonAndClientAndReleaseEverything() {
    DlqInspector inspector = new DlqInspector(dlq, 1_000, Duration.ZERO);

    DlqInspector.DlqStats stats = inspector.stats();

    assertThat(stats.scanned()).isEqualTo(4);
    assertThat(stats.complete()).isTrue();
    assertThat(stats.approximateNumberOfMessages()).isEqualTo(4);
    assertThat(stats.byReason())
        .containsExactly(
            Map.entry("source-unavailable", 2),
            Map.entry("malformed-json", 1),
            Map.entry("max-receive-count", 1));
    assertThat(stats.byClient())
        .containsExactly(Map.entry("a", 2), Map.entry("(unreadable)", 1), Map.entry("b", 1));
    assertThat(dlq.visibleCount()).isEqualTo(4);
  }

  @Test
  void aDryRunDuringAStatsWalkWaitsForItAndSeesEveryMessage() throws Exception {
    CountDownLatch statsHolding = new CountDownLatch(1);
    CountDownLatch statsMayFinish = new CountDownLatch(1);
    dlq.afterNextReceive.set(() -> {
      statsHolding.countDown();
      awaitLatch(statsMayFinish);
    });
    DlqInspector inspector = new DlqInspector(dlq, 1_000, Duration.ZERO);
    // Threads of their own: the common pool may have a single thread on a small machine.
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<DlqInspector.DlqStats> stats = threads.submit(inspector::stats);
      assertThat(statsHolding.await(10, TimeUnit.SECONDS)).isTrue(); // the stats walk holds all four

      AtomicReference<Thread> dryRunThread = new AtomicReference<>();
      Future<RedriveResult.Filtered> dryRun = threads.submit(() -> {
        dryRunThread.set(Thread.currentThread());
        return filtered(true, null, RunChoice.ORIGINAL);
      });
      // It waits for its turn instead of walking a DLQ whose messages the other walk holds.
      await().atMost(Duration.ofSeconds(10))
          .until(() -> dryRunThread.get() != null && dryRunThread.get().getState() == Thread.State.WAITING);
      assertThat(dryRun.isDone()).isFalse();
      statsMayFinish.countDown();

      assertThat(stats.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      assertThat(dryRun.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      assertThat(dlq.visibleCount()).isEqualTo(4);
    } finally {
      statsMayFinish.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void statsAskedWhileAStatsWalkWaitsForItsTurnShareThatWalk() throws Exception {
    CountDownLatch dryRunHolding = new CountDownLatch(1);
    CountDownLatch dryRunMayFinish = new CountDownLatch(1);
    dlq.afterNextReceive.set(() -> {
      dryRunHolding.countDown();
      awaitLatch(dryRunMayFinish);
    });
    DlqInspector inspector = new DlqInspector(dlq, 1_000, Duration.ZERO);
    int callers = 5;
    ExecutorService threads = Executors.newFixedThreadPool(callers + 1);
    try {
      Future<RedriveResult.Filtered> dryRun =
          threads.submit(() -> filtered(true, null, RunChoice.ORIGINAL));
      assertThat(dryRunHolding.await(10, TimeUnit.SECONDS)).isTrue();
      int receivesBefore = dlq.receives;

      // Five dashboards poll the stats while the dry run holds the DLQ.
      List<Thread> waiting = new CopyOnWriteArrayList<>();
      List<Future<DlqInspector.DlqStats>> stats = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        stats.add(threads.submit(() -> {
          waiting.add(Thread.currentThread());
          return inspector.stats();
        }));
      }
      await().atMost(Duration.ofSeconds(10))
          .until(() -> waiting.size() == callers
              && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
      dryRunMayFinish.countDown();

      assertThat(dryRun.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      for (Future<DlqInspector.DlqStats> answer : stats) {
        DlqInspector.DlqStats counted = answer.get(10, TimeUnit.SECONDS);
        assertThat(counted.scanned()).isEqualTo(4);
        assertThat(counted.byReason()).containsEntry("source-unavailable", 2);
      }
      // The dry run's last, empty receive, then one stats walk: its receive of all four and its
      // empty one. A walk per caller would have been five.
      assertThat(dlq.receives - receivesBefore).as("receives after the dry run's first").isEqualTo(3);
      assertThat(dlq.visibleCount()).isEqualTo(4);
    } finally {
      dryRunMayFinish.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void statsWalkAgainForACallerThatAskedAfterTheSharedWalkStarted() throws Exception {
    DlqInspector inspector = new DlqInspector(dlq, 1_000, Duration.ZERO);
    CountDownLatch firstHolding = new CountDownLatch(1);
    CountDownLatch firstMayFinish = new CountDownLatch(1);
    dlq.afterNextReceive.set(() -> {
      firstHolding.countDown();
      awaitLatch(firstMayFinish);
    });
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<DlqInspector.DlqStats> first = threads.submit(inspector::stats);
      assertThat(firstHolding.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicReference<Thread> secondThread = new AtomicReference<>();
      Future<DlqInspector.DlqStats> second = threads.submit(() -> {
        secondThread.set(Thread.currentThread());
        return inspector.stats();
      });
      await().atMost(Duration.ofSeconds(10))
          .until(() -> secondThread.get() != null && secondThread.get().getState() == Thread.State.WAITING);
      firstMayFinish.countDown();

      assertThat(first.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      assertThat(second.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      // Two walks of two receives each (all four, then an empty one): the second caller asked
      // after the first walk had begun, so that walk may have missed what it asks about.
      assertThat(dlq.receives).isEqualTo(4);
    } finally {
      firstMayFinish.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void aFailedStatsWalkFailsEveryCallerThatSharedItAndTheNextCallerWalksAgain() {
    FailingDlq failing = new FailingDlq(dlq);
    DlqInspector inspector = new DlqInspector(failing, 1_000, Duration.ZERO);
    failing.failNextReceive = true;

    assertThatThrownBy(inspector::stats).isInstanceOf(IllegalStateException.class).hasMessage("sqs down");
    assertThat(inspector.stats().scanned()).isEqualTo(4);
  }

  @Test
  void statsTakenWhileADryRunHoldsTheDlqCountItsMessagesAsWaiting() throws Exception {
    CountDownLatch dryRunHolding = new CountDownLatch(1);
    CountDownLatch dryRunMayFinish = new CountDownLatch(1);
    dlq.afterNextReceive.set(() -> {
      dryRunHolding.countDown();
      awaitLatch(dryRunMayFinish);
    });
    DlqInspector inspector = new DlqInspector(dlq, 1_000, Duration.ZERO);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<RedriveResult.Filtered> dryRun =
          threads.submit(() -> filtered(true, null, RunChoice.ORIGINAL));
      assertThat(dryRunHolding.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicReference<Thread> statsThread = new AtomicReference<>();
      Future<DlqInspector.DlqStats> stats = threads.submit(() -> {
        statsThread.set(Thread.currentThread());
        return inspector.stats();
      });
      await().atMost(Duration.ofSeconds(10))
          .until(() -> statsThread.get() != null && statsThread.get().getState() == Thread.State.WAITING);
      dryRunMayFinish.countDown();

      assertThat(dryRun.get(10, TimeUnit.SECONDS).scanned()).isEqualTo(4);
      DlqInspector.DlqStats counted = stats.get(10, TimeUnit.SECONDS);
      // The dashboard shows this number as "waiting": four, not the none the dry run left visible.
      assertThat(counted.approximateNumberOfMessages()).isEqualTo(4);
      assertThat(counted.approximateNumberOfMessagesNotVisible()).isZero();
      assertThat(counted.scanned()).isEqualTo(4);
    } finally {
      dryRunMayFinish.countDown();
      threads.shutdownNow();
    }
  }

  /** The fake DLQ, with receives that fail on demand. */
  private static final class FailingDlq implements DeadLetterQueue {
    private final DeadLetterQueue delegate;
    volatile boolean failNextReceive;

    FailingDlq(DeadLetterQueue delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<DlqMessage> receive(int max, Duration visibility, Duration wait) {
      if (failNextReceive) {
        failNextReceive = false;
        throw new IllegalStateException("sqs down");
      }
      return delegate.receive(max, visibility, wait);
    }

    @Override
    public void release(Collection<String> receiptHandles) {
      delegate.release(receiptHandles);
    }

    @Override
    public List<String> delete(Collection<String> receiptHandles) {
      return delegate.delete(receiptHandles);
    }

    @Override
    public Depth depth() {
      return delegate.depth();
    }

    @Override
    public MoveTask startMoveToWorkQueue() {
      return delegate.startMoveToWorkQueue();
    }

    @Override
    public List<MoveTask> moveTasks() {
      return delegate.moveTasks();
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void peekParsesWhatItCanAndHidesNothing() {
    List<DlqMessage> peeked = new DlqInspector(dlq, 1_000, Duration.ZERO).peek(3);

    assertThat(peeked).extracting(DlqMessage::messageId).containsExactly("m1", "m2", "m3");
    assertThat(peeked.get(0).runId()).isEqualTo(RUN);
    assertThat(peeked.get(0).clientId()).isEqualTo("a");
    assertThat(peeked.get(0).target()).isEqualTo("raw_data");
    assertThat(peeked.get(0).reason()).isEqualTo("source-unavailable");
    assertThat(dlq.visibleCount()).isEqualTo(4);
  }
}
