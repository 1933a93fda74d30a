package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Hands every call to another ledger; a test overrides the calls it counts or breaks. */
public class ForwardingVersionLedger implements VersionLedger {
  private final VersionLedger delegate;

  public ForwardingVersionLedger(VersionLedger delegate) {
    this.delegate = delegate;
  }

  @Override
  public Optional<TargetVersion> current(TargetRef target) {
    return delegate.current(target);
  }

  @Override
  public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
    return delegate.currentOf(targets);
  }

  @Override
  public boolean commit(TargetVersion next, long expectedSequence) {
    return delegate.commit(next, expectedSequence);
  }

  @Override
  public List<TargetVersion> history(TargetRef target) {
    return delegate.history(target);
  }

  @Override
  public List<TargetVersion> all() {
    return delegate.all();
  }
}
