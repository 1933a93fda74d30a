package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.testing.WorkerMarks;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The run ledger's transition rules, in memory, for pipeline unit tests. */
public final class InMemoryRunLedger implements RunLedger {
  private final WorkerMarks alive = new WorkerMarks();
  private final Map<String, RunRecord> runs = new LinkedHashMap<>();
  private final Map<String, Map<TargetRef, TargetProgress>> entries = new LinkedHashMap<>();

  @Override
  public synchronized void createRun(RunRecord run) {
    runs.put(run.runId(), run);
  }

  @Override
  public synchronized void markRunSent(String runId) {
    runs.computeIfPresent(runId, (id, run) -> new RunRecord(run.runId(), run.scope(), run.mode(),
        run.requestedBy(), run.requestedAt(), run.totalTargets(), false));
  }

  @Override
  public synchronized Optional<RunRecord> run(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  @Override
  public synchronized List<RunRecord> recentRuns(int limit) {
    return runs.values().stream().sorted(Comparator.comparing(RunRecord::runId).reversed()).limit(limit).toList();
  }

  @Override
  public synchronized boolean markRunning(String runId, TargetRef target, String workerId) {
    Map<TargetRef, TargetProgress> run = entries.computeIfAbsent(runId, id -> new LinkedHashMap<>());
    TargetProgress previous = run.get(target);
    if (previous != null && previous.state() == TargetState.SUCCEEDED) {
      return false;
    }
    int attempts = previous == null ? 1 : previous.attempts() + 1;
    run.put(target, new TargetProgress(target, TargetState.RUNNING, attempts, previous == null ? null : previous.lastError(),
        workerId, 0, 0, 0, 0, Instant.now()));
    return true;
  }

  @Override
  public synchronized void markOutcome(String runId, TargetProgress progress) {
    Map<TargetRef, TargetProgress> run = entries.computeIfAbsent(runId, id -> new LinkedHashMap<>());
    TargetProgress previous = run.get(progress.target());
    if (previous != null && previous.state() == TargetState.SUCCEEDED) {
      return;
    }
    int attempts = previous == null ? 0 : previous.attempts();
    run.put(progress.target(), new TargetProgress(progress.target(), progress.state(), attempts, progress.lastError(),
        progress.workerId(), progress.rows(), progress.bytes(), progress.durationMillis(), progress.versionSequence(),
        progress.updatedAt()));
  }

  @Override
  public synchronized List<TargetProgress> targets(String runId) {
    return List.copyOf(entries.getOrDefault(runId, Map.of()).values());
  }

  @Override
  public synchronized Optional<RunStatus> status(String runId) {
    RunRecord run = runs.get(runId);
    if (run == null) {
      return Optional.empty();
    }
    Map<TargetState, Integer> counts = new EnumMap<>(TargetState.class);
    long rows = 0;
    long bytes = 0;
    for (TargetProgress progress : targets(runId)) {
      counts.merge(progress.state(), 1, Integer::sum);
      rows += progress.rows();
      bytes += progress.bytes();
    }
    int withoutEntry = run.totalTargets() - targets(runId).size();
    counts.put(TargetState.QUEUED, withoutEntry);
    return Optional.of(new RunStatus(run, counts, withoutEntry, rows, bytes, Instant.now()));
  }

  @Override
  public void markWorkerAlive(String workerId, Instant at) {
    alive.mark(workerId, at);
  }

  @Override
  public Set<String> workersAliveSince(Instant since) {
    return alive.since(since);
  }
}
