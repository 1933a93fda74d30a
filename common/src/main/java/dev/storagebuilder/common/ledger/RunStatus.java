package dev.storagebuilder.common.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A run's progress, derived from its target entries on every read. Deriving rather than keeping
 * counters makes counts exact under redelivery: each target has one entry, so it counts once.
 */
public record RunStatus(
    RunRecord run, Map<TargetState, Integer> counts, long rows, long bytes, Instant lastUpdate) {

  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public RunStatus {
    EnumMap<TargetState, Integer> copy = new EnumMap<>(TargetState.class);
    for (TargetState state : TargetState.values()) {
      copy.put(state, counts.getOrDefault(state, 0));
    }
    counts = Map.copyOf(copy);
  }

  public int count(TargetState state) {
    return counts.get(state);
  }

  public int finished() {
    return count(TargetState.SUCCEEDED) + count(TargetState.DEAD_LETTERED);
  }

  public boolean isFinished() {
    return finished() >= run.totalTargets();
  }

  public State state() {
    if (!isFinished()) {
      return State.RUNNING;
    }
    return count(TargetState.DEAD_LETTERED) == 0 ? State.SUCCEEDED : State.FAILED;
  }

  /** Finish time: the last target update of a finished run. */
  public Optional<Instant> finishedAt() {
    if (!isFinished()) {
      return Optional.empty();
    }
    return Optional.of(lastUpdate == null ? run.requestedAt() : lastUpdate);
  }

  /** Remaining time at the rate observed so far; empty until a target has finished. */
  public Optional<Duration> eta(Instant now) {
    int done = finished();
    if (done == 0 || isFinished()) {
      return Optional.empty();
    }
    long elapsedMillis = Math.max(1, Duration.between(run.requestedAt(), now).toMillis());
    long remaining = run.totalTargets() - done;
    return Optional.of(Duration.ofMillis(elapsedMillis * remaining / done));
  }
}
