package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.slots.SourceSlots;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.FailureClassifier;
import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one message: decode, check the target exists, take a slot of the source, build its
 * snapshot, commit, record progress. Every failure ends as an {@link Outcome}; nothing escapes to
 * the loop.
 */
public final class TargetProcessor {
  private static final Logger log = LoggerFactory.getLogger(TargetProcessor.class);
  /** Ledger reads overlapped with other round trips of the same target. */
  private static final Executor READS = Executors.newVirtualThreadPerTaskExecutor();

  private final SourceConfig catalog;
  private final SnapshotBuilder builder;
  private final VersionLedger versions;
  private final RunLedger runs;
  private final FailureClassifier classifier;
  private final ProcessingSettings settings;
  private final Clock clock;
  private final String workerId;
  private volatile BuiltSnapshot lastBuilt;
  private final Backpressure backpressure;
  private final SourceAdmission admission;
  private final AtomicLong admissions = new AtomicLong();

  public TargetProcessor(
      SourceConfig catalog,
      SnapshotBuilder builder,
      VersionLedger versions,
      RunLedger runs,
      FailureClassifier classifier,
      ProcessingSettings settings,
      Clock clock,
      String workerId) {
    this(catalog, builder, versions, runs, classifier, settings, clock, workerId, Backpressure.NONE,
        SourceAdmission.UNLIMITED);
  }

  /** @param admission the fleet-wide cap on targets reading the source at once */
  public TargetProcessor(
      SourceConfig catalog,
      SnapshotBuilder builder,
      VersionLedger versions,
      RunLedger runs,
      FailureClassifier classifier,
      ProcessingSettings settings,
      Clock clock,
      String workerId,
      Backpressure backpressure,
      SourceAdmission admission) {
    this.admission = admission;
    this.backpressure = backpressure;
    this.catalog = catalog;
    this.builder = builder;
    this.versions = versions;
    this.runs = runs;
    this.classifier = classifier;
    this.settings = settings;
    this.clock = clock;
    this.workerId = workerId;
  }

  /** What the last successful {@link #process} built (rows read, kind): for tests and the local tools. */
  public Optional<BuiltSnapshot> lastBuilt() {
    return Optional.ofNullable(lastBuilt);
  }

  public Outcome process(ReceivedMessage received) {
    return process(received, Lease.unbounded(received));
  }

  /** Runs the message's target while {@code lease} holds; never commits once the lease is lost. */
  public Outcome process(ReceivedMessage received, Lease lease) {
    TargetMessage message;
    try {
      message = TargetMessageCodec.decode(received.body());
    } catch (InvalidMessageException e) {
      log.warn("rejecting message {}: {} ({})", received.messageId(), e.reason().code(), e.getMessage());
      return new Outcome.Reject(e.reason().code(), e.getMessage());
    }
    TargetRef ref = message.targetRef();
    try (MDC.MDCCloseable run = MDC.putCloseable("run", message.runId());
        MDC.MDCCloseable client = MDC.putCloseable("client", ref.clientId());
        MDC.MDCCloseable target = MDC.putCloseable("target", ref.target());
        MDC.MDCCloseable attempt = MDC.putCloseable("attempt", String.valueOf(received.receiveCount()))) {
      return processTarget(received, lease, message, ref);
    }
  }

  private Outcome processTarget(ReceivedMessage received, Lease lease, TargetMessage message, TargetRef ref) {
    Instant started = clock.instant();
    Optional<TargetDeclaration> declaration = catalog.target(ref.target());
    if (declaration.isEmpty()) {
      String detail = "target kind '" + ref.target() + "' is not declared (known: " + catalog.targetNames() + ")";
      return reject(message, ref, InvalidMessageException.Reason.UNKNOWN_TARGET.code(), detail, started);
    }
    // Unique per acquisition, even for two copies of one message on one worker.
    String holder = workerId + "/" + received.messageId() + "/" + admissions.incrementAndGet();
    SourceSlots.Slot slot = null;
    // The heartbeat may fire between the release below and the lease's close: nothing to renew then.
    AtomicBoolean released = new AtomicBoolean();
    try {
      // Before markRunning: a postponed target stays queued in the run and spends no attempt.
      Optional<SourceSlots.Slot> admitted = admission.tryEnter(holder);
      if (admitted.isEmpty()) {
        Duration wait = admission.nextWait();
        log.info("every slot of the source is taken; postponing by {} without spending a delivery", wait);
        return new Outcome.Postpone("no free source slot", wait);
      }
      slot = admitted.get();
      SourceSlots.Slot held = slot;
      lease.renewAlongside(() -> {
        if (!released.get() && !held.renew() && !released.get()) {
          log.warn("source slot {} was reclaimed while the target ran and no slot is free: the cap is exceeded by"
              + " one until it finishes", holder);
        }
      });
      // The version read does not depend on the run ledger's answer: overlap the two round trips.
      CompletableFuture<Optional<TargetVersion>> currentRead =
          CompletableFuture.supplyAsync(() -> versions.current(ref), READS);
      if (!runs.markRunning(message.runId(), ref, workerId)) {
        log.info("target already succeeded in this run; duplicate delivery dropped");
        return new Outcome.Done("duplicate of a finished target");
      }
      if (!builder.clientExists(ref.clientId())) {
        String detail = "client '" + ref.clientId() + "' does not exist in the source";
        return reject(message, ref, InvalidMessageException.Reason.UNKNOWN_CLIENT.code(), detail, started);
      }
      log.info("target start mode={}", message.mode().wireName());
      Optional<TargetVersion> current = joined(currentRead);
      BuiltSnapshot built = builder.build(declaration.get(), message, current);
      long expected = current.map(TargetVersion::sequence).orElse(0L);
      if (lease.isLost()) {
        return abandoned(lease);
      }
      boolean committed = versions.commit(built.version(), expected);
      long sequence = built.version().sequence();
      if (!committed) {
        // Another delivery or run committed first: our objects stay unreferenced, and the target is
        // as fresh as the winner made it, so this message is complete.
        sequence = versions.current(ref).map(TargetVersion::sequence).orElse(0L);
        builder.discard(built);
        log.info("commit lost to a concurrent commit; now at sequence {}", sequence);
      }
      Duration took = Duration.between(started, clock.instant());
      runs.markOutcome(
          message.runId(),
          new TargetProgress(ref, TargetState.SUCCEEDED, 0, null, workerId, built.rowsRead(),
              built.bytesWritten(), took.toMillis(), sequence, clock.instant()));
      log.info(
          "target done kind={} rowsRead={} rows={} bytes={} seconds={} sequence={} watermark={} committed={}",
          built.kind(), built.rowsRead(), built.rowsWritten(), built.bytesWritten(), took.toMillis() / 1000.0, sequence,
          built.version().watermark(), committed);
      lastBuilt = built;
      return new Outcome.Done(committed ? "committed sequence " + sequence : "superseded");
    } catch (Exception | LinkageError e) {
      if (lease.isLost()) {
        return abandoned(lease);
      }
      return failed(received, message, ref, e, started);
    } finally {
      released.set(true);
      release(slot);
    }
  }

  private static void release(SourceSlots.Slot slot) {
    if (slot == null) {
      return;
    }
    try {
      slot.close();
    } catch (RuntimeException e) {
      // The outcome stands; an unreleased slot frees itself when its lease runs out.
      log.warn("could not release the source slot: {}", e.toString());
    }
  }

  /** The future's value, or the exception it failed with, as the synchronous call would have thrown it. */
  private static <T> T joined(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static Outcome abandoned(Lease lease) {
    String reason = lease.lostReason().orElse("lease lost");
    log.warn("target abandoned without commit: {}", reason);
    return new Outcome.Abandoned(reason);
  }

  private Outcome failed(
      ReceivedMessage received, TargetMessage message, TargetRef ref, Throwable error, Instant started) {
    Failure failure = classifier.classify(error);
    if (!failure.retryable()) {
      log.warn("permanent failure: {}", failure.detail(), error);
      return reject(message, ref, failure.reasonCode(), failure.detail(), started);
    }
    if (backpressure.paused()) {
      log.warn("postponing without spending a delivery, {}: {}", backpressure.reason(), failure.detail());
      return new Outcome.Postpone(failure.detail(), backpressure.retryAfter());
    }
    if (received.receiveCount() >= settings.maxReceiveCount()) {
      String detail = "gave up after " + received.receiveCount() + " deliveries; last error: " + failure.detail();
      log.warn("{}", detail, error);
      return reject(message, ref, "retries-exhausted", detail, started);
    }
    log.warn("retryable failure (delivery {}): {}", received.receiveCount(), failure.detail(), error);
    record(message, ref, TargetState.FAILED, failure.reasonCode() + ": " + failure.detail(), started);
    return new Outcome.RetryLater(failure.detail());
  }

  private Outcome reject(TargetMessage message, TargetRef ref, String code, String detail, Instant started) {
    record(message, ref, TargetState.DEAD_LETTERED, code + ": " + detail, started);
    return new Outcome.Reject(code, detail);
  }

  private void record(TargetMessage message, TargetRef ref, TargetState state, String error, Instant started) {
    try {
      runs.markOutcome(
          message.runId(),
          new TargetProgress(ref, state, 0, error, workerId, 0, 0,
              Duration.between(started, clock.instant()).toMillis(), 0, clock.instant()));
    } catch (RuntimeException e) {
      // The message outcome matters more than the ledger line; the next delivery records again.
      log.warn("could not record {} in the run ledger: {}", state.wireName(), e.toString());
    }
  }
}
