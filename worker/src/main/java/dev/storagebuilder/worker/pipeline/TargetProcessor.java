package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.slots.SourceSlots;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.FailureClassifier;
import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
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
  /** A full sync of at most this many rows (as of the last version) counts as short: ~0.1 s here. */
  static final long SHORT_TARGET_ROWS = 20_000;
  /** A version record read with its batch serves its target this long (see {@link VersionPrefetch}). */
  static final Duration PREFETCH_MAX_AGE = Duration.ofSeconds(10);
  /** Builds of one delivery whose commits lose to versions that read less; then it is postponed. */
  static final int MAX_BUILDS = 3;

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
  private final MemoryBudget memory;
  private final AtomicLong admissions = new AtomicLong();
  private final VersionPrefetch prefetched;
  private final SuccessRecorder successes;

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
        SourceAdmission.UNLIMITED, MemoryBudget.UNLIMITED, SuccessRecorder.direct(runs));
  }

  /**
   * @param admission the fleet-wide cap on targets reading the source at once
   * @param memory this worker's heap for running targets: each reserves its share before reading
   * @param successes how a success reaches the run ledger (the other outcomes are written at once)
   */
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
      SourceAdmission admission,
      MemoryBudget memory,
      SuccessRecorder successes) {
    this.successes = Objects.requireNonNull(successes, "successes");
    this.admission = admission;
    this.memory = memory;
    this.backpressure = backpressure;
    this.catalog = catalog;
    this.builder = builder;
    this.versions = versions;
    this.runs = runs;
    this.classifier = classifier;
    this.settings = settings;
    this.clock = clock;
    this.workerId = workerId;
    this.prefetched = new VersionPrefetch(versions, PREFETCH_MAX_AGE, System::nanoTime);
  }

  /**
   * Reads the version records of a received batch in one request, for {@link #process} to use
   * instead of one read per target; never throws (a target whose record is missing reads it).
   */
  public void prefetch(List<ReceivedMessage> messages) {
    prefetched.prefetch(messages);
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
      // No markRunning yet: the outcome counts this delivery's attempt.
      return reject(message, ref, InvalidMessageException.Reason.UNKNOWN_TARGET.code(), detail, started, false);
    }
    // Unique per acquisition, even for two copies of one message on one worker.
    String holder = workerId + "/" + received.messageId() + "/" + admissions.incrementAndGet();
    SourceSlots.Slot slot = null;
    MemoryBudget.Reservation reservation = null;
    // No run-ledger write for this attempt yet: an outcome recorded before markRunning counts it.
    RunningMark running = new RunningMark(message.runId(), ref);
    StageTimer stages = new StageTimer();
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
      stages.lap("admit");
      SourceSlots.Slot held = slot;
      lease.renewAlongside(() -> {
        if (!released.get() && !held.renew() && !released.get()) {
          log.warn("source slot {} was reclaimed while the target ran and no slot is free: the cap is exceeded by"
              + " one until it finishes", holder);
        }
      });
      Optional<TargetVersion> current = prefetched.take(received, ref).orElseGet(() -> versions.current(ref));
      stages.lap("version");
      if (current.isPresent() && current.get().runId().equals(message.runId())) {
        // This run already committed the target: a duplicate delivery, or a redelivery after the
        // outcome write was lost. Record the success (a no-op when it is there; the rows are the
        // state's, the attempt that read them is gone) and drop it.
        log.info("target already committed in this run at sequence {}; duplicate delivery dropped",
            current.get().sequence());
        runs.markOutcome(message.runId(), new TargetProgress(ref, TargetState.SUCCEEDED, 0, null, workerId,
            current.get().rowCount(), 0, Duration.between(started, clock.instant()).toMillis(),
            current.get().sequence(), clock.instant()));
        return new Outcome.Done("duplicate of a finished target");
      }
      reservation = memory.reserve(memory.reservationFor(message, current, received.receiveCount()));
      stages.lap("memory");
      // A short target is marked once, when it ends; one known to be long shows RUNNING while it
      // runs, and a first build (of unknown size) once it has read more rows than a short one holds.
      if (!isShort(message, current) && current.isPresent() && !running.mark()) {
        log.info("target already succeeded in this run; duplicate delivery dropped");
        return new Outcome.Done("duplicate of a finished target");
      }
      stages.lap("running");
      if (!builder.clientExists(ref.clientId())) {
        String detail = "client '" + ref.clientId() + "' does not exist in the source";
        return reject(message, ref, InvalidMessageException.Reason.UNKNOWN_CLIENT.code(), detail, started, running.marked);
      }
      stages.lap("client");
      log.info("target start mode={}", message.mode().wireName());
      MemoryBudget.Reservation reserved = reservation;
      boolean markWhenLong = current.isEmpty();
      SnapshotBuilder.RowProgress progress = rows -> {
        reserved.rowsRead(rows);
        if (markWhenLong && rows > SHORT_TARGET_ROWS && !running.marked && !running.mark()) {
          throw new AlreadySucceeded();
        }
      };
      BuiltSnapshot built;
      boolean idle;
      boolean committed;
      long sequence;
      for (int builds = 1; ; builds++) {
        built = builder.build(declaration.get(), message, current, progress);
        stages.lap("build");
        long expected = current.map(TargetVersion::sequence).orElse(0L);
        if (lease.isLost()) {
          // No commit was tried, so nothing refers to what this build stored (nor to a sidecar
          // still going up): left behind, it would never be deleted.
          builder.discard(built);
          return abandoned(lease);
        }
        // An idle sync whose record already says everything writes nothing: the record keeps the run
        // and time of the last change, and the run ledger shows this run checked it.
        idle = !built.commits(expected);
        committed = idle || versions.commit(built.version(), expected);
        sequence = built.version().sequence();
        stages.lap("commit");
        if (committed) {
          break;
        }
        // With the versions before it: whether the winner is a fresh base shows against its predecessor.
        List<TargetVersion> recent = versions.history(ref);
        Optional<TargetVersion> winner = recent.stream().findFirst();
        if (isThisBuild(winner, built)) {
          // The ledger said lost, yet the current version is this one: deleting its objects would
          // leave the committed record pointing at nothing. Counted as the commit it is.
          log.warn("the commit of sequence {} was reported lost but is the current version; keeping it",
              winner.get().sequence());
          committed = true;
          sequence = winner.get().sequence();
          break;
        }
        // Another delivery or run committed first; our objects stay unreferenced.
        builder.discard(built);
        sequence = winner.map(TargetVersion::sequence).orElse(0L);
        if (!missesWhatWasRead(recent, built, message)) {
          // The winner's read saw every change ours did: the target is as fresh as this message asks.
          log.info("commit lost to a concurrent commit; now at sequence {}", sequence);
          break;
        }
        if (builds == MAX_BUILDS) {
          Duration wait = settings.retryDelay(received.receiveCount());
          log.info("commit lost {} times to concurrent commits that read less than this message; postponing by {}",
              builds, wait);
          return new Outcome.Postpone("commit lost to concurrent commits " + builds + " times", wait);
        }
        // It read up to an older watermark (its read began earlier), or this full sync's read drops
        // rows it still holds, so changes this build saw are missing from it: build again on top of
        // it rather than report a target that lacks them.
        log.info("commit lost to sequence {} (watermark {}, chain {}), which misses changes this {} build read"
            + " (up to version {}); building again on top of it", sequence,
            winner.map(TargetVersion::watermark).orElse(0L), winner.map(TargetVersion::chainLength).orElse(0),
            message.mode().wireName(), built.readUpTo());
        current = winner;
      }
      // Receive to commit: the new version is visible from here on.
      Duration took = Duration.between(started, clock.instant());
      if (committed && built.trailing().isPending()) {
        awaitTrailing(built, sequence);
        stages.lap("keyIndex");
      }
      TargetProgress succeeded =
          new TargetProgress(ref, TargetState.SUCCEEDED, 0, null, workerId, built.rowsRead(),
              built.bytesWritten(), took.toMillis(), sequence, clock.instant());
      CompletionStage<Void> recorded = successes.record(new RunLedger.Success(message.runId(), succeeded, running.marked));
      stages.lap("outcome");
      if (committed && !idle && (!built.retiredDue().isEmpty() || built.swept() > 0)) {
        // Only the winner of the conditional commit, and only now: its manifest, the current one,
        // no longer lists the due objects (and lists what its sweep found). While the success is written.
        builder.committed(built);
        stages.lap("retired");
      }
      log.info(
          "target done kind={} rowsRead={} rows={} bytes={} seconds={} sequence={} watermark={} committed={} ms={}{}",
          built.kind(), built.rowsRead(), built.rowsWritten(), built.bytesWritten(), took.toMillis() / 1000.0, sequence,
          built.version().watermark(), committed, stages,
          built.split() == BuildSplit.NONE ? "" : " build=" + built.split());
      lastBuilt = built;
      String summary = idle ? "unchanged at sequence " + sequence
          : committed ? "committed sequence " + sequence : "superseded";
      return new Outcome.Done(summary, recorded);
    } catch (InterruptedException e) {
      // Only the wait for memory throws this: the target never started, so it spends no delivery.
      Thread.currentThread().interrupt();
      return lease.isLost() ? abandoned(lease) : new Outcome.Postpone("interrupted while waiting for memory", Duration.ZERO);
    } catch (AlreadySucceeded e) {
      log.info("target already succeeded in this run; duplicate delivery dropped after {}", e.getMessage());
      return new Outcome.Done("duplicate of a finished target");
    } catch (MemoryBudget.Outgrown e) {
      // Its next delivery reserves in full from the start (what it wrote so far was aborted). That
      // takes a delivery of this message: a postponed copy comes back with a receive count of 1,
      // is sized small again, and outgrows again for as long as the memory stays taken.
      log.info("retrying with a full reservation: {}", e.getMessage());
      return lease.isLost() ? abandoned(lease) : new Outcome.RetryLater(e.getMessage());
    } catch (Exception | LinkageError e) {
      if (lease.isLost()) {
        return abandoned(lease);
      }
      return failed(received, message, ref, e, started, running.marked);
    } finally {
      released.set(true);
      if (reservation != null) {
        reservation.close();
      }
      release(slot);
    }
  }

  /**
   * Waits for the sidecar of a committed base. Its failure fails nothing: the version stands, and
   * the next incremental sync, finding no sidecar, counts the state by reading it.
   */
  private static void awaitTrailing(BuiltSnapshot built, long sequence) {
    try {
      built.trailing().await();
    } catch (InterruptedIOException e) {
      // Lease lost or shutting down: the upload goes on by itself; the message's outcome still stands.
      log.info("sequence {} is committed; stopped waiting for its key index sidecar ({})", sequence, e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.warn("sequence {} is committed but its key index sidecar was not stored ({}); the next incremental sync"
          + " counts the state by reading it", sequence, e.toString());
    }
  }

  /** Whether {@code current} is {@code built}'s version: its manifest key is unique to the build. */
  static boolean isThisBuild(Optional<TargetVersion> current, BuiltSnapshot built) {
    return current.isPresent()
        && (current.get().equals(built.version()) || built.newObjects().contains(current.get().manifestKey()));
  }

  /**
   * Whether the version that won the commit lacks source changes {@code lost} read: it comes from
   * another run and its watermark is below a version {@code lost} read (its own watermark, or a
   * higher one a read that could not settle delivered without vouching for it), or equal to it
   * while {@code lost} found changes on a source without a settled watermark (the winner's read may
   * have been the earlier one), or {@code lost} is a full sync's base and the
   * winner is not a base read further ({@link #isBaseReadFurther}), nor holds exactly the rows {@code
   * lost} read (the same count and checksum: nothing that read dropped is in it). Only a full read drops rows deleted without a trace
   * (targets without delete tracking are synced in full for that), so a delta or an unchanged sync
   * with a newer watermark still holds them. A duplicate of this message (same run) is as fresh as
   * this run asks whatever it read.
   *
   * @param recent the target's versions, newest (the winner) first
   */
  static boolean missesWhatWasRead(List<TargetVersion> recent, BuiltSnapshot lost, TargetMessage message) {
    if (recent.isEmpty()) {
      return true;
    }
    TargetVersion winner = recent.get(0);
    if (winner.runId().equals(message.runId())) {
      return false;
    }
    // Where the watermark is only the highest version a read saw (no settle step: MariaDB/MySQL, H2),
    // a winner with the same watermark may have read an earlier snapshot: a transaction holding a
    // lower version that committed between the two reads is in this build only. Taken as read as
    // far, it left a run reporting the target done without a row its read saw.
    boolean sameWatermarkMayLack =
        !lost.watermarkSettled() && lost.kind() != BuiltSnapshot.Kind.UNCHANGED && winner.watermark() == lost.readUpTo();
    return winner.watermark() < lost.readUpTo()
        || sameWatermarkMayLack
        || (message.mode() == SyncMode.FULL && !holdsTheSameRows(winner, lost) && !isBaseReadFurther(recent, lost));
  }

  /**
   * Whether the newest of {@code recent} is a base written from a full read that came after {@code
   * lost}'s: its watermark is above what {@code lost} read, so its read saw a change {@code lost}'s
   * did not. A watermark orders only the changes it tracks, not deletes without a trace: a full read
   * that ended at the same watermark, even a settled one, may have been the earlier one and still
   * hold a row {@code lost}'s read no longer found.
   */
  private static boolean isBaseReadFurther(List<TargetVersion> recent, BuiltSnapshot lost) {
    return isFreshBase(recent) && recent.get(0).watermark() > lost.readUpTo();
  }

  private static boolean holdsTheSameRows(TargetVersion winner, BuiltSnapshot lost) {
    return winner.rowCount() == lost.version().rowCount()
        && winner.contentChecksum().equals(lost.version().contentChecksum());
  }

  /**
   * Whether the newest of {@code recent} is a base written from a full read: no deltas, and a
   * manifest of its own. An unchanged sync also has no deltas on a base, but records its moved
   * watermark on its predecessor's manifest. An idle target's sweep writes a manifest of its own
   * listing its predecessor's files, so the same count and checksum on a base-only predecessor, which
   * a full read that found the same rows also has, is not taken for one either. A first version is
   * always a base; a newest version whose predecessor is unknown is not taken for one (at worst, one
   * more build).
   */
  static boolean isFreshBase(List<TargetVersion> recent) {
    TargetVersion newest = recent.get(0);
    if (newest.chainLength() != 0) {
      return false;
    }
    if (recent.size() > 1) {
      TargetVersion previous = recent.get(1);
      boolean sameFiles = previous.chainLength() == 0 && previous.rowCount() == newest.rowCount()
          && previous.contentChecksum().equals(newest.contentChecksum());
      return !previous.manifestKey().equals(newest.manifestKey()) && !sameFiles;
    }
    return newest.sequence() == 1;
  }

  /**
   * Whether the target will very likely take well under a second: an incremental sync on top of a
   * version, or a full sync of a target that held few rows last time. A first build is of unknown
   * size. Only what the run ledger shows while it runs depends on this, not correctness.
   */
  static boolean isShort(TargetMessage message, Optional<TargetVersion> current) {
    return current.isPresent()
        && (message.mode() == SyncMode.INCREMENTAL || current.get().rowCount() <= SHORT_TARGET_ROWS);
  }

  /** Whether this attempt has written RUNNING to the run ledger (its outcome then does not count it again). */
  private final class RunningMark {
    private final String runId;
    private final TargetRef ref;
    boolean marked;

    RunningMark(String runId, TargetRef ref) {
      this.runId = runId;
      this.ref = ref;
    }

    /** Marks the target RUNNING; false when its entry already says SUCCEEDED (a duplicate delivery). */
    boolean mark() {
      marked = runs.markRunning(runId, ref, workerId);
      return marked;
    }
  }

  /** A first build found its entry already SUCCEEDED when it went to mark it RUNNING; its upload is aborted. */
  private static final class AlreadySucceeded extends IOException {
    AlreadySucceeded() {
      super("reading more rows than a short target holds");
    }
  }

  /** Wall milliseconds of each stage of one target, for the "target done" line: where a target's time goes. */
  private static final class StageTimer {
    private final StringBuilder laps = new StringBuilder();
    private long last = System.nanoTime();

    void lap(String stage) {
      long now = System.nanoTime();
      if (!laps.isEmpty()) {
        laps.append(',');
      }
      laps.append(stage).append(':').append((now - last) / 1_000_000);
      last = now;
    }

    @Override
    public String toString() {
      return laps.toString();
    }
  }

  /**
   * Gives the slot back, also when a revoked lease has interrupted this thread: the AWS SDK aborts
   * a call made on an interrupted thread, which would leave the slot taken for a whole lease while
   * the released message, picked up at once elsewhere, finds the cap full. So the interrupt is set
   * aside for the release and restored after it.
   */
  private static void release(SourceSlots.Slot slot) {
    if (slot == null) {
      return;
    }
    boolean interrupted = Thread.interrupted();
    try {
      slot.close();
    } catch (RuntimeException e) {
      // The outcome stands; an unreleased slot frees itself when its lease runs out.
      log.warn("could not release the source slot: {}", e.toString());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Outcome abandoned(Lease lease) {
    String reason = lease.lostReason().orElse("lease lost");
    log.warn("target abandoned without commit: {}", reason);
    return new Outcome.Abandoned(reason);
  }

  private Outcome failed(
      ReceivedMessage received, TargetMessage message, TargetRef ref, Throwable error, Instant started,
      boolean markedRunning) {
    Failure failure = classifier.classify(error);
    if (!failure.retryable()) {
      log.warn("permanent failure: {}", failure.detail(), error);
      return reject(message, ref, failure.reasonCode(), failure.detail(), started, markedRunning);
    }
    if (backpressure.paused()) {
      log.warn("postponing without spending a delivery, {}: {}", backpressure.reason(), failure.detail());
      return new Outcome.Postpone(failure.detail(), backpressure.retryAfter());
    }
    if (received.receiveCount() >= settings.maxReceiveCount()) {
      String detail = "gave up after " + received.receiveCount() + " deliveries; last error: " + failure.detail();
      log.warn("{}", detail, error);
      return reject(message, ref, "retries-exhausted", detail, started, markedRunning);
    }
    log.warn("retryable failure (delivery {}): {}", received.receiveCount(), failure.detail(), error);
    record(message, ref, TargetState.FAILED, failure.reasonCode() + ": " + failure.detail(), started, markedRunning);
    return new Outcome.RetryLater(failure.detail());
  }

  /** @param markedRunning false when this attempt has no run-ledger write yet: the outcome counts it */
  private Outcome reject(
      TargetMessage message, TargetRef ref, String code, String detail, Instant started, boolean markedRunning) {
    record(message, ref, TargetState.DEAD_LETTERED, code + ": " + detail, started, markedRunning);
    return new Outcome.Reject(code, detail);
  }

  private void record(
      TargetMessage message, TargetRef ref, TargetState state, String error, Instant started, boolean markedRunning) {
    try {
      TargetProgress progress =
          new TargetProgress(ref, state, 0, error, workerId, 0, 0,
              Duration.between(started, clock.instant()).toMillis(), 0, clock.instant());
      if (markedRunning) {
        runs.markOutcome(message.runId(), progress);
      } else {
        runs.markFinished(message.runId(), progress);
      }
    } catch (RuntimeException e) {
      // The message outcome matters more than the ledger line; the next delivery records again.
      log.warn("could not record {} in the run ledger: {}", state.wireName(), e.toString());
    }
  }
}
