package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hands every call to another ledger; a test overrides the calls it counts or breaks. {@link
 * #markSucceeded} keeps the interface's default, so it arrives as the single writes a test counts.
 */
public class ForwardingRunLedger implements RunLedger {
  private final RunLedger delegate;

  public ForwardingRunLedger(RunLedger delegate) {
    this.delegate = delegate;
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
  public boolean markRunning(String runId, TargetRef target, String workerId) {
    return delegate.markRunning(runId, target, workerId);
  }

  @Override
  public void markOutcome(String runId, TargetProgress progress) {
    delegate.markOutcome(runId, progress);
  }

  @Override
  public void markFinished(String runId, TargetProgress progress) {
    delegate.markFinished(runId, progress);
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
