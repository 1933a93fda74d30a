package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.worker.port.Backpressure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Paused while any dependency is: every target needs the source, S3 and DynamoDB alike, so an
 * outage of any one must stop receiving and postpone rather than spend deliveries. Each member is
 * asked on every poll (not just until the first paused one), so each runs its own probe when due.
 */
public final class CompositeBackpressure implements Backpressure {
  private final List<Backpressure> members;
  private volatile List<Backpressure> pausedMembers = List.of();

  public CompositeBackpressure(List<? extends Backpressure> members) {
    this.members = List.copyOf(members);
  }

  @Override
  public boolean paused() {
    List<Backpressure> paused = new ArrayList<>(members.size());
    for (Backpressure member : members) {
      if (member.paused()) {
        paused.add(member);
      }
    }
    pausedMembers = List.copyOf(paused);
    return !paused.isEmpty();
  }

  /** The paused dependencies as of the last {@link #paused()}, or every member's when none was. */
  @Override
  public String reason() {
    List<Backpressure> paused = pausedMembers;
    return (paused.isEmpty() ? members : paused).stream().map(Backpressure::reason).collect(Collectors.joining(", "));
  }

  /** The longest wait of the paused dependencies: the message comes back once all could be up. */
  @Override
  public Duration retryAfter() {
    List<Backpressure> paused = pausedMembers;
    return (paused.isEmpty() ? members : paused).stream()
        .map(Backpressure::retryAfter)
        .max(Duration::compareTo)
        .orElse(Duration.ZERO);
  }
}
