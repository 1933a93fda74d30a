package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.producer.ServiceUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Starts a run: resolves its scope against the source, records the run, then sends one message per
 * client/target in {@link FairOrder}.
 *
 * <p>The run record is written before any message is sent, so a worker never reports progress for a
 * run the ledger does not know. If some messages cannot be sent, their targets are recorded as
 * dead-lettered with the cause, so the run still finishes (as failed) and says which targets never
 * went out, instead of waiting forever for messages that do not exist. That holds when the send
 * fails as a whole too (every target is then recorded as not enqueued); a queue that cannot be
 * found at all refuses the run before it is recorded.
 *
 * <p>The run is recorded as enqueueing and marked sent once the send is over (one more write per
 * run, whatever its size): a producer that dies in between leaves targets without a message and
 * without an entry, and {@link dev.storagebuilder.common.ledger.RunStatus} fails such a run after
 * its enqueue deadline instead of counting them as queued forever.
 */
public final class RunEnqueuer {
  private static final Logger log = LoggerFactory.getLogger(RunEnqueuer.class);
  static final String NOT_ENQUEUED = "not enqueued: ";

  private final ClientDirectory clients;
  private final ScopeResolver resolver;
  private final Map<String, Long> kindsBySize;
  private final RunLedger ledger;
  private final TargetMessageSender sender;
  private final Clock clock;
  private final RandomGenerator random;
  private final MeterRegistry meters;
  private final Timer enqueueDuration;
  private final Counter enqueued;
  private final Counter enqueueFailed;

  /**
   * @param kindsBySize declared target kinds with their estimated rows per client (see {@link
   *     FairOrder}); its iteration order is the declaration order (pass a LinkedHashMap)
   */
  public RunEnqueuer(
      ClientDirectory clients,
      Map<String, Long> kindsBySize,
      int maxScopeTargets,
      RunLedger ledger,
      TargetMessageSender sender,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters) {
    this.clients = clients;
    this.kindsBySize = Collections.unmodifiableMap(new LinkedHashMap<>(kindsBySize));
    this.resolver = new ScopeResolver(List.copyOf(kindsBySize.keySet()), maxScopeTargets);
    this.ledger = ledger;
    this.sender = sender;
    this.clock = clock;
    this.random = random;
    this.meters = meters;
    this.enqueueDuration =
        Timer.builder(ProducerMetrics.ENQUEUE_DURATION)
            .description("Time to record a run and send all its messages")
            .register(meters);
    this.enqueued =
        Counter.builder(ProducerMetrics.MESSAGES_ENQUEUED)
            .description("Target messages put on the work queue")
            .register(meters);
    this.enqueueFailed =
        Counter.builder(ProducerMetrics.MESSAGES_ENQUEUE_FAILED)
            .description("Target messages that could not be sent")
            .register(meters);
  }

  /**
   * @throws dev.storagebuilder.producer.InvalidRequestException for unknown clients or target kinds
   * @throws ServiceUnavailableException when the source, the work queue or the ledger cannot be
   *     reached (nothing was sent, no run was recorded)
   */
  public EnqueueResult start(RunRequest request) {
    List<TargetRef> targets =
        FairOrder.order(resolver.resolve(request.scope(), clients.clientIds()), kindsBySize);
    sender.requireReachable();
    Instant requestedAt = clock.instant();
    String runId = Ids.newRunId(requestedAt, random);
    String scope = request.scope().describe();
    Timer.Sample sample = Timer.start(meters);
    MDC.put("run", runId);
    try {
      try {
        ledger.createRun(
            new RunRecord(
                runId,
                scope,
                request.mode(),
                request.requestedBy(),
                requestedAt,
                targets.size(),
                true));
      } catch (RuntimeException e) {
        throw new ServiceUnavailableException(
            "cannot record the run in the run ledger: " + e.getMessage(), e);
      }
      meters.counter(ProducerMetrics.RUNS_STARTED, "mode", request.mode().wireName()).increment();

      List<TargetMessage> messages = new ArrayList<>(targets.size());
      for (TargetRef target : targets) {
        messages.add(TargetMessage.of(runId, target, request.mode(), requestedAt));
      }
      TargetMessageSender.SendReport report = send(messages);
      enqueued.increment(report.sent());
      Optional<String> firstError =
          report.failures().stream().findFirst().map(TargetMessageSender.SendReport.Failure::error);
      if (!report.failures().isEmpty()) {
        enqueueFailed.increment(report.failures().size());
        log.error(
            "run {}: {} of {} messages could not be sent, first error: {}",
            runId,
            report.failures().size(),
            targets.size(),
            firstError.orElse("?"));
        recordUnsent(runId, report.failures());
      }
      markSent(runId);
      long nanos = sample.stop(enqueueDuration);
      log.info(
          "run {} ({}, {}) requested by {}: {} of {} messages enqueued in {} ms",
          runId,
          scope,
          request.mode().wireName(),
          request.requestedBy(),
          report.sent(),
          targets.size(),
          nanos / 1_000_000);
      return new EnqueueResult(
          runId, scope, request.mode(), targets.size(), report.sent(), firstError);
    } finally {
      MDC.remove("run");
    }
  }

  /**
   * A send that throws (instead of reporting per-message failures) counts as sending nothing: the
   * run is recorded already, and a target left QUEUED without a message would keep it running
   * forever. Should some messages have gone out before the failure, their workers' outcomes
   * replace the dead-lettered entries.
   */
  private TargetMessageSender.SendReport send(List<TargetMessage> messages) {
    try {
      return sender.send(messages);
    } catch (RuntimeException e) {
      String error = e.getClass().getSimpleName() + ": " + e.getMessage();
      List<TargetMessageSender.SendReport.Failure> failures = new ArrayList<>(messages.size());
      for (TargetMessage message : messages) {
        failures.add(new TargetMessageSender.SendReport.Failure(message.targetRef(), error));
      }
      return new TargetMessageSender.SendReport(0, failures);
    }
  }

  /**
   * The messages are out (or recorded unsent) already, so a failure here does not fail the request:
   * the run then reads failed after the enqueue deadline until its last target finishes.
   */
  private void markSent(String runId) {
    try {
      ledger.markRunSent(runId);
    } catch (RuntimeException e) {
      log.error(
          "run {}: cannot record that its messages were sent; it will read as failed {} after"
              + " its request unless every target finishes: {}",
          runId,
          dev.storagebuilder.common.ledger.RunStatus.ENQUEUE_DEADLINE,
          e.toString());
    }
  }

  private void recordUnsent(String runId, List<TargetMessageSender.SendReport.Failure> failures) {
    Instant now = clock.instant();
    for (TargetMessageSender.SendReport.Failure failure : failures) {
      try {
        ledger.markOutcome(
            runId,
            new TargetProgress(
                failure.target(),
                TargetState.DEAD_LETTERED,
                0,
                NOT_ENQUEUED + failure.error(),
                null,
                0,
                0,
                0,
                0,
                now));
      } catch (RuntimeException e) {
        log.error(
            "run {}: cannot record that {} was not enqueued: {}",
            runId,
            failure.target(),
            e.toString());
      }
    }
  }
}
