package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The per-target version records. Commits are single-item compare-and-set, never transactions. */
public interface VersionLedger {
  Optional<TargetVersion> current(TargetRef target);

  /**
   * The current records of several targets in as few requests as the store allows, read as
   * consistently as {@link #current}. A target without a record maps to empty; one the store did
   * not answer for is left out (the caller reads it with {@link #current}).
   */
  default Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
    Map<TargetRef, Optional<TargetVersion>> found = new LinkedHashMap<>();
    for (TargetRef target : targets) {
      found.put(target, current(target));
    }
    return found;
  }

  /**
   * Publishes {@code next} only if the stored record's sequence still equals {@code
   * expectedSequence} (0: no record yet). Returns false when another commit won; the caller's
   * objects then stay unreferenced. True whenever {@code next} was stored, also when a retried
   * request found the condition failed against its own earlier, applied attempt.
   */
  boolean commit(TargetVersion next, long expectedSequence);

  /** The most recent commits of a target, newest first (bounded history kept with the record). */
  List<TargetVersion> history(TargetRef target);

  /** Every target's current record (operator listings, verify). */
  List<TargetVersion> all();
}
