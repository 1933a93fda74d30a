package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.ids.TargetRef;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Runs and their targets' progress (DynamoDB). */
public interface RunLedger {
  void createRun(RunRecord run);

  /**
   * Records that the producer finished sending the run's messages (those it could not send are
   * recorded dead-lettered already): the run's {@link RunRecord#enqueueing} becomes false. One write
   * per run; a run that does not exist is left so.
   */
  void markRunSent(String runId);

  Optional<RunRecord> run(String runId);

  /** Newest first. */
  List<RunRecord> recentRuns(int limit);

  /**
   * The page of runs older than {@code beforeRunId} (exclusive; run ids sort by creation time),
   * newest first: the next page after a listing that ended at {@code beforeRunId}. This default
   * reads from the newest run; stores that can seek override it.
   */
  default List<RunRecord> runsBefore(String beforeRunId, int limit) {
    return recentRuns(10_000).stream()
        .filter(r -> r.runId().compareTo(beforeRunId) < 0)
        .limit(limit)
        .toList();
  }

  /**
   * Records that a worker started a target: state RUNNING, attempts + 1. Returns false, changing
   * nothing, when the target already succeeded in this run (a duplicate delivery).
   */
  boolean markRunning(String runId, TargetRef target, String workerId);

  /**
   * Records a terminal or retry outcome. A SUCCEEDED entry is never overwritten, so a late
   * duplicate cannot un-finish a target; a DEAD_LETTERED entry may become SUCCEEDED after a redrive.
   *
   * <p>Every write over a DEAD_LETTERED entry, by this or any other method, adds to the run's
   * {@link RunRecord#reopenings} after the entry's write: readers keep a finished run's counts
   * until it changes. A store whose writer can die between the two writes reports the write as
   * {@link RunRecord#reopeningInFlight} from before the entry's write until it is counted.
   */
  void markOutcome(String runId, TargetProgress progress);

  /**
   * Records the outcome of an attempt that was never marked running (a short target: one write
   * instead of two): like {@link #markOutcome}, and attempts + 1 as {@link #markRunning} would have
   * counted it. Never overwrites a success. This default makes the two writes; stores that can
   * update both in one write override it.
   */
  default void markFinished(String runId, TargetProgress progress) {
    if (markRunning(runId, progress.target(), progress.workerId())) {
      markOutcome(runId, progress);
    }
  }

  /**
   * Records several successes, each as {@link #markOutcome} (when its attempt was marked running)
   * or {@link #markFinished} would. This default writes them one by one; stores that can write
   * many in one request override it.
   */
  default void markSucceeded(List<Success> successes) {
    for (Success success : successes) {
      if (success.markedRunning()) {
        markOutcome(success.runId(), success.progress());
      } else {
        markFinished(success.runId(), success.progress());
      }
    }
  }

  List<TargetProgress> targets(String runId);

  Optional<RunStatus> status(String runId);

  /**
   * A target's success in a run, to record with {@link #markSucceeded}.
   *
   * @param markedRunning whether this attempt is counted already (by {@link #markRunning})
   */
  record Success(String runId, TargetProgress progress, boolean markedRunning) {
    public Success {
      Objects.requireNonNull(runId, "runId");
      if (progress.state() != TargetState.SUCCEEDED) {
        throw new IllegalArgumentException("a success must say SUCCEEDED, got " + progress.state());
      }
    }
  }

  /** Records that {@code workerId} is up at {@code at} (a worker says so about once a minute). */
  void markWorkerAlive(String workerId, Instant at);

  /** The workers that said they were up at or after {@code since}. */
  Set<String> workersAliveSince(Instant since);
}
