package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetState;
import java.time.Instant;

/**
 * A run as the API shows it. Instants are ISO-8601 strings; {@code finishedAt} is null while the
 * run runs, {@code etaSeconds} is null until a target has finished and after the run finished.
 */
public record RunView(
    String runId,
    String state,
    String mode,
    String scope,
    String requestedBy,
    String requestedAt,
    String finishedAt,
    int total,
    Counts counts,
    long rows,
    long bytes,
    Long etaSeconds) {

  /** Targets per state; they add up to {@code total}. */
  public record Counts(int queued, int running, int failed, int succeeded, int deadLettered) {}

  public static RunView of(RunStatus status, Instant now) {
    return new RunView(
        status.run().runId(),
        status.state().wireName(),
        status.run().mode().wireName(),
        status.run().scope(),
        status.run().requestedBy(),
        status.run().requestedAt().toString(),
        status.finishedAt().map(Instant::toString).orElse(null),
        status.run().totalTargets(),
        new Counts(
            status.count(TargetState.QUEUED),
            status.count(TargetState.RUNNING),
            status.count(TargetState.FAILED),
            status.count(TargetState.SUCCEEDED),
            status.count(TargetState.DEAD_LETTERED)),
        status.rows(),
        status.bytes(),
        status.eta(now).map(eta -> Math.max(0, (eta.toMillis() + 999) / 1000)).orElse(null));
  }
}
