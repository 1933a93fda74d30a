package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order a run's messages are sent in, which is roughly the order workers pick them up.
 *
 * <p>Two goals: no tenant waits behind another's whole fan-out, and the run's tail is short. So
 * clients take turns (round-robin: every client's first target, then every client's second...), and
 * each client's targets go largest first, so the long jobs start early and the last ones to finish
 * are small. Within one round the larger targets go first too. Ties keep declaration order and the
 * caller's client order, so the order is deterministic.
 */
public final class FairOrder {
  private FairOrder() {}

  /**
   * @param targets the run's pairs, clients in the order they should take turns
   * @param kindsBySize target kinds in declaration order with their estimated rows per client (0 =
   *     unknown, sorts last); a kind not in the map is treated as unknown
   */
  public static List<TargetRef> order(List<TargetRef> targets, Map<String, Long> kindsBySize) {
    Map<String, Integer> declarationIndex = new LinkedHashMap<>();
    for (String kind : kindsBySize.keySet()) {
      declarationIndex.put(kind, declarationIndex.size());
    }
    Comparator<TargetRef> largestFirst =
        Comparator.comparingLong((TargetRef ref) -> -kindsBySize.getOrDefault(ref.target(), 0L))
            .thenComparingInt(ref -> declarationIndex.getOrDefault(ref.target(), Integer.MAX_VALUE))
            .thenComparing(TargetRef::target);

    Map<String, List<TargetRef>> byClient = new LinkedHashMap<>();
    for (TargetRef ref : targets) {
      byClient.computeIfAbsent(ref.clientId(), c -> new ArrayList<>()).add(ref);
    }
    int rounds = 0;
    for (List<TargetRef> own : byClient.values()) {
      own.sort(largestFirst);
      rounds = Math.max(rounds, own.size());
    }

    List<TargetRef> ordered = new ArrayList<>(targets.size());
    List<TargetRef> round = new ArrayList<>(byClient.size());
    for (int r = 0; r < rounds; r++) {
      round.clear();
      for (List<TargetRef> own : byClient.values()) {
        if (r < own.size()) {
          round.add(own.get(r));
        }
      }
      // Stable sort: equal sizes keep the clients' turn order.
      round.sort(Comparator.comparingLong(ref -> -kindsBySize.getOrDefault(ref.target(), 0L)));
      ordered.addAll(round);
    }
    return ordered;
  }
}
