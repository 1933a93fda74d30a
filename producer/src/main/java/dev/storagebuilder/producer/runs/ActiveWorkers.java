package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Estimates how many workers are working: the distinct worker ids on target entries updated within
 * {@link #WINDOW} in the most recent runs. The ledger is the only place every worker writes, so no
 * ECS or CloudWatch call is needed; between runs it sees none, and the backlog then is zero anyway.
 */
public final class ActiveWorkers {
  /** Longer than a typical target, so a worker busy with one long target still counts. */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  static final int RECENT_RUNS = 5;

  private final RunLedger ledger;
  private final Clock clock;

  public ActiveWorkers(RunLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  public int count() {
    Instant since = clock.instant().minus(WINDOW);
    Set<String> workers = new HashSet<>();
    List<RunRecord> runs = ledger.recentRuns(RECENT_RUNS);
    for (RunRecord run : runs) {
      if (run.requestedAt().isBefore(since.minus(Duration.ofDays(1)))) {
        continue; // a day-old run has no entries this recent; skip reading its targets
      }
      for (TargetProgress target : ledger.targets(run.runId())) {
        if (target.workerId() != null
            && target.updatedAt() != null
            && target.updatedAt().isAfter(since)) {
          workers.add(target.workerId());
        }
      }
    }
    return workers.size();
  }
}
