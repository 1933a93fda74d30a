package dev.storagebuilder.producer.testing;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.testing.WorkerMarks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A RunLedger in memory, with the DynamoDB ledger's rules (a success is never overwritten). */
public class InMemoryRunLedger implements ConditionalRunLedger {
  private final WorkerMarks alive = new WorkerMarks();
  public final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
  public final Map<String, Map<TargetRef, TargetProgress>> entries = new ConcurrentHashMap<>();

  /** Every call in order, to check what was written before what. */
  public final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public void createRun(RunRecord run) {
    calls.add("createRun " + run.runId());
    runs.put(run.runId(), run);
  }

  @Override
  public void markRunSent(String runId) {
    calls.add("markRunSent " + runId);
    runs.computeIfPresent(runId, (id, run) -> run.withEnqueueing(false));
  }

  /** As the DynamoDB ledger does after a write over a dead-lettered entry. */
  private void countReopeningIfDeadLettered(String runId, TargetProgress old) {
    if (old == null || old.state() != TargetState.DEAD_LETTERED) {
      return;
    }
    runs.computeIfPresent(runId, (id, run) -> run.withReopenings(run.reopenings() + 1));
  }

  @Override
  public Optional<RunRecord> run(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  @Override
  public List<RunRecord> recentRuns(int limit) {
    return runs.values().stream()
        .sorted(Comparator.comparing(RunRecord::runId).reversed())
        .limit(limit)
        .toList();
  }

  @Override
  public boolean markRunning(String runId, TargetRef target, String workerId) {
    TargetProgress old = entries(runId).get(target);
    if (old != null && old.state() == TargetState.SUCCEEDED) {
      return false;
    }
    int attempts = old == null ? 1 : old.attempts() + 1;
    entries(runId)
        .put(
            target,
            new TargetProgress(
                target,
                TargetState.RUNNING,
                attempts,
                old == null ? null : old.lastError(),
                workerId,
                0,
                0,
                0,
                0,
                Instant.now()));
    countReopeningIfDeadLettered(runId, old);
    return true;
  }

  @Override
  public void markOutcome(String runId, TargetProgress progress) {
    calls.add("markOutcome " + runId + " " + progress.target() + " " + progress.state().wireName());
    TargetProgress old = entries(runId).get(progress.target());
    if (old != null && old.state() == TargetState.SUCCEEDED) {
      return;
    }
    entries(runId).put(progress.target(), progress);
    countReopeningIfDeadLettered(runId, old);
  }

  @Override
  public boolean markOutcomeIfUnchanged(
      String runId, TargetProgress seen, TargetProgress progress) {
    calls.add(
        "markOutcomeIfUnchanged "
            + runId
            + " "
            + progress.target()
            + " "
            + progress.state().wireName());
    Map<TargetRef, TargetProgress> run = entries(runId);
    synchronized (run) {
      TargetProgress current = run.get(progress.target());
      if (current == null
          || current.state() == TargetState.SUCCEEDED
          || current.state() != seen.state()
          || !java.util.Objects.equals(current.updatedAt(), seen.updatedAt())) {
        return false;
      }
      run.put(progress.target(), progress);
    }
    countReopeningIfDeadLettered(runId, seen);
    return true;
  }

  @Override
  public List<TargetProgress> targets(String runId) {
    return List.copyOf(entries(runId).values());
  }

  @Override
  public Optional<RunStatus> status(String runId) {
    RunRecord run = runs.get(runId);
    if (run == null) {
      return Optional.empty();
    }
    Map<TargetState, Integer> counts = new EnumMap<>(TargetState.class);
    long rows = 0;
    long bytes = 0;
    Instant last = null;
    for (TargetProgress p : entries(runId).values()) {
      counts.merge(p.state(), 1, Integer::sum);
      rows += p.rows();
      bytes += p.bytes();
      if (p.updatedAt() != null && (last == null || p.updatedAt().isAfter(last))) {
        last = p.updatedAt();
      }
    }
    int withoutEntry = Math.max(0, run.totalTargets() - entries(runId).size());
    counts.merge(TargetState.QUEUED, withoutEntry, Integer::sum);
    return Optional.of(new RunStatus(run, counts, withoutEntry, rows, bytes, last));
  }

  private Map<TargetRef, TargetProgress> entries(String runId) {
    return entries.computeIfAbsent(
        runId, r -> java.util.Collections.synchronizedMap(new LinkedHashMap<>()));
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
