package dev.storagebuilder.worker.app;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The run ledger, metering each target outcome the pipeline records: the ledger is where the
 * pipeline already reports rows, bytes and duration, so metering here keeps Micrometer out of it.
 * A succeeded target adds to {@code storage_builder.worker.target.duration} (timer), {@code
 * sb.worker.target.rows} and {@code storage_builder.worker.target.bytes} (distribution summaries) and {@code
 * sb.worker.bytes.uploaded} (counter).
 */
final class MeteredRunLedger implements RunLedger {
  private final RunLedger delegate;
  private final Timer duration;
  private final DistributionSummary rows;
  private final DistributionSummary bytes;
  private final Counter uploaded;

  MeteredRunLedger(RunLedger delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.duration =
        Timer.builder("storage_builder.worker.target.duration")
            .description("Time to snapshot and commit one target")
            .publishPercentileHistogram()
            .register(registry);
    this.rows =
        DistributionSummary.builder("storage_builder.worker.target.rows")
            .description("Rows in one target's snapshot")
            .baseUnit("rows")
            .publishPercentileHistogram()
            .register(registry);
    this.bytes =
        DistributionSummary.builder("storage_builder.worker.target.bytes")
            .description("Bytes of one target's snapshot")
            .baseUnit("bytes")
            .register(registry);
    this.uploaded =
        Counter.builder("storage_builder.worker.bytes.uploaded")
            .description("Snapshot bytes uploaded to S3")
            .baseUnit("bytes")
            .register(registry);
  }

  @Override
  public void markOutcome(String runId, TargetProgress progress) {
    delegate.markOutcome(runId, progress);
    recordOutcome(progress);
  }

  @Override
  public void markFinished(String runId, TargetProgress progress) {
    delegate.markFinished(runId, progress);
    recordOutcome(progress);
  }

  private void recordOutcome(TargetProgress progress) {
    if (progress.state() == TargetState.SUCCEEDED) {
      duration.record(Duration.ofMillis(progress.durationMillis()));
      rows.record(progress.rows());
      bytes.record(progress.bytes());
      uploaded.increment(progress.bytes());
    }
  }

  @Override
  public void createRun(RunRecord run) {
    delegate.createRun(run);
  }

  @Override
  public void markRunSent(String runId) {
    delegate.markRunSent(runId);
  }

  @Override
  public Optional<RunRecord> run(String runId) {
    return delegate.run(runId);
  }

  @Override
  public List<RunRecord> recentRuns(int limit) {
    return delegate.recentRuns(limit);
  }

  @Override
  public List<RunRecord> runsBefore(String beforeRunId, int limit) {
    return delegate.runsBefore(beforeRunId, limit);
  }

  @Override
  public boolean markRunning(String runId, TargetRef target, String workerId) {
    return delegate.markRunning(runId, target, workerId);
  }

  @Override
  public void markSucceeded(List<Success> successes) {
    delegate.markSucceeded(successes);
    successes.forEach(success -> recordOutcome(success.progress()));
  }

  @Override
  public List<TargetProgress> targets(String runId) {
    return delegate.targets(runId);
  }

  @Override
  public Optional<RunStatus> status(String runId) {
    return delegate.status(runId);
  }

  @Override
  public void markWorkerAlive(String workerId, Instant at) {
    delegate.markWorkerAlive(workerId, at);
  }

  @Override
  public Set<String> workersAliveSince(Instant since) {
    return delegate.workersAliveSince(since);
  }
}
