package dev.storagebuilder.common.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A run's progress, derived from its target entries on every read. Deriving rather than keeping
 * counters makes counts exact under redelivery: each target has one entry, so it counts once.
 *
 * @param counts targets per state; those without an entry count as {@link TargetState#QUEUED}
 * @param withoutEntry how many targets have no entry yet (no worker started them)
 */
public record RunStatus(
    RunRecord run,
    Map<TargetState, Integer> counts,
    int withoutEntry,
    long rows,
    long bytes,
    Instant lastUpdate) {

  /**
   * How long a run may say its enqueue is in progress before it is taken as abandoned (the producer
   * died while sending). Far above any real enqueue: 10,000 messages go out in seconds.
   */
  public static final Duration ENQUEUE_DEADLINE = Duration.ofMinutes(15);

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

  /**
   * The state as the target entries tell it, regardless of the enqueue: see {@link #state(Instant)}
   * for a run whose producer may have died while sending.
   */
  public State state() {
    if (!isFinished()) {
      return State.RUNNING;
    }
    return count(TargetState.DEAD_LETTERED) == 0 ? State.SUCCEEDED : State.FAILED;
  }

  /**
   * Whether the run's enqueue was abandoned: the producer recorded the run but had not said it sent
   * the messages {@link #ENQUEUE_DEADLINE} after the request (it died while sending).
   */
  public boolean enqueueAbandoned(Instant now) {
    return run.enqueueing() && !now.isBefore(enqueueDeadline());
  }

  /**
   * Targets of an abandoned enqueue that no worker has started: their messages were most likely
   * never sent, and they would otherwise count as queued forever. 0 while the enqueue may go on.
   */
  public int notSent(Instant now) {
    return enqueueAbandoned(now) && !isFinished() ? withoutEntry : 0;
  }

  /** The state at {@code now}: an unfinished run whose enqueue was abandoned has failed. */
  public State state(Instant now) {
    if (!isFinished() && enqueueAbandoned(now)) {
      return State.FAILED;
    }
    return state();
  }

  /** Finish time: the last target update of a finished run. */
  public Optional<Instant> finishedAt() {
    if (!isFinished()) {
      return Optional.empty();
    }
    return Optional.of(lastUpdate == null ? run.requestedAt() : lastUpdate);
  }

  /**
   * Finish time at {@code now}: for an unfinished run whose enqueue was abandoned, the deadline
   * (or a later target update of the messages that did go out).
   */
  public Optional<Instant> finishedAt(Instant now) {
    if (!isFinished() && enqueueAbandoned(now)) {
      Instant deadline = enqueueDeadline();
      return Optional.of(
          lastUpdate != null && lastUpdate.isAfter(deadline) ? lastUpdate : deadline);
    }
    return finishedAt();
  }

  private Instant enqueueDeadline() {
    return run.requestedAt().plus(ENQUEUE_DEADLINE);
  }

  /** Remaining time at the rate observed so far; empty until a target has finished. */
  public Optional<Duration> eta(Instant now) {
    int done = finished();
    if (done == 0 || isFinished() || enqueueAbandoned(now)) {
      return Optional.empty();
    }
    long elapsedMillis = Math.max(1, Duration.between(run.requestedAt(), now).toMillis());
    long remaining = run.totalTargets() - done;
    return Optional.of(Duration.ofMillis(elapsedMillis * remaining / done));
  }
}
