package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The run ledger behind the DynamoDB circuit breaker (the same breaker as the version ledger's). */
public final class ResilientRunLedger implements RunLedger {
  private final RunLedger delegate;
  private final DependencyBreaker breaker;

  public ResilientRunLedger(RunLedger delegate, DependencyBreaker breaker) {
    this.delegate = delegate;
    this.breaker = breaker;
  }

  @Override
  public void createRun(RunRecord run) {
    breaker.call(
        () -> {
          delegate.createRun(run);
          return null;
        });
  }

  @Override
  public void markRunSent(String runId) {
    breaker.call(
        () -> {
          delegate.markRunSent(runId);
          return null;
        });
  }

  @Override
  public Optional<RunRecord> run(String runId) {
    return breaker.call(() -> delegate.run(runId));
  }

  @Override
  public List<RunRecord> recentRuns(int limit) {
    return breaker.call(() -> delegate.recentRuns(limit));
  }

  @Override
  public List<RunRecord> runsBefore(String beforeRunId, int limit) {
    return breaker.call(() -> delegate.runsBefore(beforeRunId, limit));
  }

  @Override
  public boolean markRunning(String runId, TargetRef target, String workerId) {
    return breaker.call(() -> delegate.markRunning(runId, target, workerId));
  }

  @Override
  public void markOutcome(String runId, TargetProgress progress) {
    breaker.call(
        () -> {
          delegate.markOutcome(runId, progress);
          return null;
        });
  }

  @Override
  public void markFinished(String runId, TargetProgress progress) {
    breaker.call(
        () -> {
          delegate.markFinished(runId, progress);
          return null;
        });
  }

  @Override
  public void markSucceeded(List<Success> successes) {
    breaker.call(
        () -> {
          delegate.markSucceeded(successes);
          return null;
        });
  }

  @Override
  public List<TargetProgress> targets(String runId) {
    return breaker.call(() -> delegate.targets(runId));
  }

  @Override
  public Optional<RunStatus> status(String runId) {
    return breaker.call(() -> delegate.status(runId));
  }

  @Override
  public void markWorkerAlive(String workerId, Instant at) {
    breaker.call(
        () -> {
          delegate.markWorkerAlive(workerId, at);
          return null;
        });
  }

  @Override
  public Set<String> workersAliveSince(Instant since) {
    return breaker.call(() -> delegate.workersAliveSince(since));
  }
}
