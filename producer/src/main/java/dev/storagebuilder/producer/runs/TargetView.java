package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ledger.TargetProgress;

/** One target's entry in a run, as the API shows it. */
public record TargetView(
    String clientId,
    String target,
    String state,
    int attempts,
    String lastError,
    String workerId,
    long rows,
    long bytes,
    long durationMillis,
    long versionSequence,
    String updatedAt) {

  public static TargetView of(TargetProgress progress) {
    return new TargetView(
        progress.target().clientId(),
        progress.target().target(),
        progress.state().wireName(),
        progress.attempts(),
        progress.lastError(),
        progress.workerId(),
        progress.rows(),
        progress.bytes(),
        progress.durationMillis(),
        progress.versionSequence(),
        progress.updatedAt() == null ? null : progress.updatedAt().toString());
  }
}
