package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Compare-and-set semantics of the DynamoDB ledger, in memory, for pipeline unit tests. */
public final class InMemoryVersionLedger implements VersionLedger {
  private final Map<TargetRef, List<TargetVersion>> histories = new ConcurrentHashMap<>();

  @Override
  public Optional<TargetVersion> current(TargetRef target) {
    List<TargetVersion> history = histories.get(target);
    return history == null || history.isEmpty() ? Optional.empty() : Optional.of(history.get(0));
  }

  @Override
  public synchronized boolean commit(TargetVersion next, long expectedSequence) {
    long stored = current(next.target()).map(TargetVersion::sequence).orElse(0L);
    if (stored != expectedSequence) {
      return false;
    }
    histories.computeIfAbsent(next.target(), t -> new ArrayList<>()).add(0, next);
    return true;
  }

  @Override
  public List<TargetVersion> history(TargetRef target) {
    return List.copyOf(histories.getOrDefault(target, List.of()));
  }

  @Override
  public List<TargetVersion> all() {
    return histories.values().stream().map(h -> h.get(0)).toList();
  }
}
