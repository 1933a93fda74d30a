package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.producer.InvalidRequestException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Expands a scope into client/target pairs against what the source actually has: the clients its
 * clients query lists and the declared target kinds. Unknown names are the caller's mistake (400);
 * a scope larger than {@code maxScopeTargets} is refused rather than flooding the queue.
 */
public final class ScopeResolver {
  private static final int NAMES_SHOWN = 5;

  private final List<String> targetKinds;
  private final int maxScopeTargets;

  public ScopeResolver(List<String> targetKinds, int maxScopeTargets) {
    if (targetKinds.isEmpty()) {
      throw new IllegalArgumentException("at least one target kind must be declared");
    }
    this.targetKinds = List.copyOf(targetKinds);
    this.maxScopeTargets = maxScopeTargets;
  }

  /**
   * @param knownClients the source's clients, in the clients query's order; an {@code all} run
   *     keeps that order (a client listed twice counts once, where it first appears), the other
   *     scopes keep the caller's
   */
  public List<TargetRef> resolve(RunScope scope, List<String> knownClients) {
    List<TargetRef> refs =
        switch (scope) {
          // A clients query may list a client twice (a join without DISTINCT). The run ledger keeps
          // one entry per client/target, so a pair sent twice would count twice in the run's total
          // and the run could never finish.
          case RunScope.All all -> expand(new LinkedHashSet<>(knownClients));
          case RunScope.Clients clients -> {
            requireKnown(clients.clientIds(), knownClients);
            yield expand(clients.clientIds());
          }
          case RunScope.Targets targets -> {
            requireKnownKinds(targets.targets());
            requireKnown(
                targets.targets().stream().map(TargetRef::clientId).distinct().toList(),
                knownClients);
            yield targets.targets();
          }
        };
    if (refs.size() > maxScopeTargets) {
      throw new InvalidRequestException(
          "scope "
              + scope.describe()
              + " expands to "
              + refs.size()
              + " targets, more than storage-builder.enqueue.max-scope-targets ("
              + maxScopeTargets
              + "); split the run into several by clients");
    }
    return refs;
  }

  private List<TargetRef> expand(Collection<String> clientIds) {
    long size = (long) clientIds.size() * targetKinds.size();
    if (size > maxScopeTargets) {
      // Checked before building the list so a huge scope costs nothing.
      throw new InvalidRequestException(
          "scope expands to "
              + size
              + " targets ("
              + clientIds.size()
              + " clients x "
              + targetKinds.size()
              + " target kinds), more than storage-builder.enqueue.max-scope-targets ("
              + maxScopeTargets
              + "); split the run into several by clients");
    }
    List<TargetRef> refs = new ArrayList<>((int) size);
    for (String clientId : clientIds) {
      for (String kind : targetKinds) {
        refs.add(new TargetRef(clientId, kind));
      }
    }
    return refs;
  }

  private static void requireKnown(List<String> requested, List<String> knownClients) {
    Set<String> known = Set.copyOf(knownClients);
    List<String> unknown = requested.stream().filter(id -> !known.contains(id)).toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(
          (unknown.size() == 1 ? "unknown client " : unknown.size() + " unknown clients: ")
              + quoted(unknown)
              + " (not listed by the source's clients query)");
    }
  }

  private void requireKnownKinds(List<TargetRef> refs) {
    Set<String> unknown = new LinkedHashSet<>();
    for (TargetRef ref : refs) {
      if (!targetKinds.contains(ref.target())) {
        unknown.add(ref.target());
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(
          (unknown.size() == 1 ? "unknown target kind " : "unknown target kinds ")
              + quoted(List.copyOf(unknown))
              + " (declared: "
              + String.join(", ", targetKinds)
              + ")");
    }
  }

  private static String quoted(List<String> names) {
    List<String> shown = names.stream().limit(NAMES_SHOWN).map(n -> "'" + n + "'").toList();
    String more =
        names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "";
    return String.join(", ", shown) + more;
  }
}
