package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.ServiceUnavailableException;
import dev.storagebuilder.producer.testing.InMemoryRunLedger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunEnqueuerTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  private final InMemoryRunLedger ledger = new InMemoryRunLedger();
  private final List<TargetMessage> sent = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private TargetMessageSender sender =
      messages -> {
        ledger.calls.add("send " + messages.size());
        sent.addAll(messages);
        return new TargetMessageSender.SendReport(messages.size(), List.of());
      };

  private RunEnqueuer enqueuer(ClientDirectory clients) {
    Map<String, Long> kinds = new LinkedHashMap<>();
    kinds.put("small", 10L);
    kinds.put("large", 1000L);
    return new RunEnqueuer(
        clients,
        kinds,
        100,
        ledger,
        new TargetMessageSender() {
          @Override
          public void requireReachable() {
            sender.requireReachable();
          }

          @Override
          public SendReport send(List<TargetMessage> messages) {
            return sender.send(messages);
          }
        },
        Clock.fixed(NOW, ZoneOffset.UTC),
        new Random(7),
        meters);
  }

  @Test
  void recordsTheRunBeforeSendingOneMessagePerTargetInFairOrder() {
    EnqueueResult result =
        enqueuer(() -> List.of("a", "b"))
            .start(new RunRequest(new RunScope.All(), SyncMode.INCREMENTAL, "test"));

    assertThat(result.total()).isEqualTo(4);
    assertThat(result.enqueued()).isEqualTo(4);
    assertThat(result.complete()).isTrue();
    assertThat(result.runId()).startsWith("run-20260102T030405Z-");
    assertThat(ledger.calls)
        .containsExactly("createRun " + result.runId(), "send 4", "markRunSent " + result.runId());
    RunRecord run = ledger.runs.get(result.runId());
    assertThat(run)
        .isEqualTo(new RunRecord(result.runId(), "all", SyncMode.INCREMENTAL, "test", NOW, 4));
    assertThat(sent)
        .extracting(m -> m.clientId() + "/" + m.target())
        .containsExactly("a/large", "b/large", "a/small", "b/small");
    assertThat(sent)
        .allSatisfy(
            m -> {
              assertThat(m.runId()).isEqualTo(result.runId());
              assertThat(m.mode()).isEqualTo(SyncMode.INCREMENTAL);
              assertThat(m.requestedAt()).isEqualTo(NOW);
              assertThat(m.schemaVersion()).isEqualTo(TargetMessage.CURRENT_SCHEMA_VERSION);
            });
    assertThat(
            meters.get(ProducerMetrics.RUNS_STARTED).tag("mode", "incremental").counter().count())
        .isEqualTo(1);
    assertThat(meters.get(ProducerMetrics.MESSAGES_ENQUEUED).counter().count()).isEqualTo(4);
    assertThat(meters.get(ProducerMetrics.ENQUEUE_DURATION).timer().count()).isEqualTo(1);
  }

  @Test
  void unsentTargetsAreRecordedAsDeadLetteredSoTheRunCanFinish() {
    sender =
        messages ->
            new TargetMessageSender.SendReport(
                messages.size() - 1,
                List.of(
                    new TargetMessageSender.SendReport.Failure(
                        messages.get(0).targetRef(), "InternalError: boom")));

    EnqueueResult result =
        enqueuer(() -> List.of("a"))
            .start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test"));

    assertThat(result.complete()).isFalse();
    assertThat(result.enqueued()).isEqualTo(1);
    assertThat(result.total()).isEqualTo(2);
    assertThat(result.firstError()).contains("InternalError: boom");
    TargetProgress entry = ledger.entries.get(result.runId()).get(new TargetRef("a", "large"));
    assertThat(entry.state()).isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(entry.lastError()).isEqualTo("not enqueued: InternalError: boom");
    assertThat(ledger.calls).last().isEqualTo("markRunSent " + result.runId());
    assertThat(ledger.runs.get(result.runId()).enqueueing()).isFalse();
    assertThat(meters.get(ProducerMetrics.MESSAGES_ENQUEUE_FAILED).counter().count()).isEqualTo(1);
  }

  @Test
  void theRunSaysItsEnqueueIsInProgressWhileTheMessagesAreSent() {
    List<Boolean> enqueueingDuringSend = new ArrayList<>();
    sender =
        messages -> {
          enqueueingDuringSend.add(ledger.runs.get(messages.get(0).runId()).enqueueing());
          return new TargetMessageSender.SendReport(messages.size(), List.of());
        };

    EnqueueResult result =
        enqueuer(() -> List.of("a"))
            .start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test"));

    assertThat(enqueueingDuringSend).containsExactly(true);
    assertThat(ledger.runs.get(result.runId()).enqueueing()).isFalse();
  }

  @Test
  void aRunWhoseProducerDiedWhileSendingFailsAtTheDeadlineWithItsUnsentTargetsCounted() {
    sender =
        messages -> {
          // what the ledger sees of a producer killed mid-send: one message out, then nothing
          sent.add(messages.get(0));
          throw new ProducerKilled();
        };
    RunEnqueuer enqueuer = enqueuer(() -> List.of("a", "b"));

    assertThatThrownBy(
            () -> enqueuer.start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test")))
        .isInstanceOf(ProducerKilled.class);

    String runId = sent.get(0).runId();
    TargetRef started = sent.get(0).targetRef();
    ledger.markRunning(runId, started, "worker-1");
    var status = ledger.status(runId).orElseThrow();
    Instant deadline = NOW.plus(dev.storagebuilder.common.ledger.RunStatus.ENQUEUE_DEADLINE);
    assertThat(status.run().enqueueing()).isTrue();
    assertThat(status.state(deadline.minusSeconds(1)).wireName()).isEqualTo("running");
    assertThat(status.state(deadline).wireName()).isEqualTo("failed");
    assertThat(status.notSent(deadline)).isEqualTo(3);
    assertThat(status.count(TargetState.RUNNING)).isEqualTo(1);
  }

  private static final class ProducerKilled extends Error {}

  @Test
  void aSendThatFailsAsAWholeRecordsEveryTargetAsNotEnqueuedSoTheRunFinishes() {
    sender =
        messages -> {
          throw new IllegalStateException("connection pool shut down");
        };

    EnqueueResult result =
        enqueuer(() -> List.of("a"))
            .start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test"));

    assertThat(result.enqueued()).isZero();
    assertThat(result.total()).isEqualTo(2);
    assertThat(result.firstError().orElseThrow()).contains("connection pool shut down");
    assertThat(ledger.entries.get(result.runId()).values())
        .hasSize(2)
        .allSatisfy(
            entry -> {
              assertThat(entry.state()).isEqualTo(TargetState.DEAD_LETTERED);
              assertThat(entry.lastError())
                  .isEqualTo("not enqueued: IllegalStateException: connection pool shut down");
            });
    assertThat(ledger.status(result.runId()).orElseThrow().isFinished()).isTrue();
    assertThat(meters.get(ProducerMetrics.MESSAGES_ENQUEUE_FAILED).counter().count()).isEqualTo(2);
  }

  @Test
  void aQueueThatCannotBeReachedRefusesTheRunBeforeItIsRecorded() {
    sender =
        new TargetMessageSender() {
          @Override
          public void requireReachable() {
            throw new ServiceUnavailableException(
                "cannot find SQS queue 'q'", new IllegalStateException("no such queue"));
          }

          @Override
          public SendReport send(List<TargetMessage> messages) {
            sent.addAll(messages);
            return new SendReport(messages.size(), List.of());
          }
        };

    assertThatThrownBy(
            () ->
                enqueuer(() -> List.of("a"))
                    .start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test")))
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("cannot find SQS queue 'q'");
    assertThat(ledger.calls).isEmpty();
    assertThat(ledger.runs).isEmpty();
    assertThat(sent).isEmpty();
  }

  @Test
  void aClientTheSourceListsTwiceGetsOneMessagePerTargetAndTheRunCanFinish() {
    EnqueueResult result =
        enqueuer(() -> List.of("a", "b", "a"))
            .start(new RunRequest(new RunScope.All(), SyncMode.FULL, "test"));

    assertThat(result.total()).isEqualTo(4);
    assertThat(ledger.runs.get(result.runId()).totalTargets()).isEqualTo(4);
    assertThat(sent)
        .extracting(m -> m.clientId() + "/" + m.target())
        .containsExactly("a/large", "b/large", "a/small", "b/small");
    for (TargetMessage message : sent) {
      ledger.markOutcome(
          result.runId(),
          new TargetProgress(
              message.targetRef(), TargetState.SUCCEEDED, 1, null, "w", 1, 1, 1, 1, NOW));
    }
    assertThat(ledger.status(result.runId()).orElseThrow().isFinished()).isTrue();
  }

  @Test
  void unknownClientSendsNothingAndRecordsNothing() {
    assertThatThrownBy(
            () ->
                enqueuer(() -> List.of("a"))
                    .start(new RunRequest(new RunScope.Clients(List.of("b")), SyncMode.FULL, "t")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("unknown client 'b'");
    assertThat(ledger.calls).isEmpty();
    assertThat(sent).isEmpty();
  }

  @Test
  void aLedgerFailureSendsNothing() {
    InMemoryRunLedger failing =
        new InMemoryRunLedger() {
          @Override
          public void createRun(RunRecord run) {
            throw new IllegalStateException("table missing");
          }
        };
    RunEnqueuer enqueuer =
        new RunEnqueuer(
            () -> List.of("a"),
            Map.of("small", 1L),
            100,
            failing,
            sender,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new Random(1),
            meters);

    assertThatThrownBy(() -> enqueuer.start(new RunRequest(new RunScope.All(), SyncMode.FULL, "t")))
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("table missing");
    assertThat(sent).isEmpty();
  }
}
