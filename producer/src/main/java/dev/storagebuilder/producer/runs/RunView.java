package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetState;
import java.time.Instant;

/**
 * A run as the API shows it. Instants are ISO-8601 strings; {@code finishedAt} is null while the
 * run runs, {@code etaSeconds} is null until a target has finished and after the run finished.
 * A run whose producer died while sending its messages is {@code failed} once its enqueue deadline
 * passed, its targets no worker started counted {@code notSent} instead of {@code queued}.
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

  /**
   * Targets per state; they add up to {@code total}. {@code notSent}: targets of a run whose enqueue
   * was abandoned (the producer died while sending) that no worker started, most likely never sent.
   */
  public record Counts(
      int queued, int running, int failed, int succeeded, int deadLettered, int notSent) {}

  public static RunView of(RunStatus status, Instant now) {
    int notSent = status.notSent(now);
    return new RunView(
        status.run().runId(),
        status.state(now).wireName(),
        status.run().mode().wireName(),
        status.run().scope(),
        status.run().requestedBy(),
        status.run().requestedAt().toString(),
        status.finishedAt(now).map(Instant::toString).orElse(null),
        status.run().totalTargets(),
        new Counts(
            status.count(TargetState.QUEUED) - notSent,
            status.count(TargetState.RUNNING),
            status.count(TargetState.FAILED),
            status.count(TargetState.SUCCEEDED),
            status.count(TargetState.DEAD_LETTERED),
            notSent),
        status.rows(),
        status.bytes(),
        status.eta(now).map(eta -> Math.max(0, (eta.toMillis() + 999) / 1000)).orElse(null));
  }
}
