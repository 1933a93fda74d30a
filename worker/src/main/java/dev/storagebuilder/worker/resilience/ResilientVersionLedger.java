package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The version ledger behind the DynamoDB circuit breaker. A lost commit returns false and is no
 * failure at all: only the store's unavailability (throttling, 5xx, timeouts) counts.
 */
public final class ResilientVersionLedger implements VersionLedger {
  private final VersionLedger delegate;
  private final DependencyBreaker breaker;

  public ResilientVersionLedger(VersionLedger delegate, DependencyBreaker breaker) {
    this.delegate = delegate;
    this.breaker = breaker;
  }

  @Override
  public Optional<TargetVersion> current(TargetRef target) {
    return breaker.call(() -> delegate.current(target));
  }

  @Override
  public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
    return breaker.call(() -> delegate.currentOf(targets));
  }

  @Override
  public boolean commit(TargetVersion next, long expectedSequence) {
    return breaker.call(() -> delegate.commit(next, expectedSequence));
  }

  @Override
  public List<TargetVersion> history(TargetRef target) {
    return breaker.call(() -> delegate.history(target));
  }

  @Override
  public List<TargetVersion> all() {
    return breaker.call(delegate::all);
  }
}
