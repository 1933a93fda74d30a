package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FairOrderTest {
  /** The demo's declaration order and size hints. */
  private static final Map<String, Long> DEMO = new LinkedHashMap<>();

  static {
    DEMO.put("raw_data", 100_000L);
    DEMO.put("entities", 20_000L);
    DEMO.put("data_items", 5_000L);
    DEMO.put("formulas", 1_000L);
    DEMO.put("formula_associations", 2_000L);
    DEMO.put("dimensions", 500L);
  }

  @Test
  void clientsTakeTurnsAndLargestTargetsGoFirst() {
    List<TargetRef> all = expand(List.of("a", "b", "c"), DEMO.keySet());

    List<String> order = FairOrder.order(all, DEMO).stream().map(TargetRef::toString).toList();

    assertThat(order)
        .containsExactly(
            "a/raw_data",
            "b/raw_data",
            "c/raw_data",
            "a/entities",
            "b/entities",
            "c/entities",
            "a/data_items",
            "b/data_items",
            "c/data_items",
            "a/formula_associations",
            "b/formula_associations",
            "c/formula_associations",
            "a/formulas",
            "b/formulas",
            "c/formulas",
            "a/dimensions",
            "b/dimensions",
            "c/dimensions");
  }

  @Test
  void noClientGetsTwoTurnsBeforeEveryOtherClientHadOne() {
    Map<String, Long> sizes = new LinkedHashMap<>(DEMO);
    // b has only small targets, c only one: they still get their turns in the first rounds.
    List<TargetRef> targets = new ArrayList<>(expand(List.of("a"), DEMO.keySet()));
    targets.add(new TargetRef("b", "dimensions"));
    targets.add(new TargetRef("b", "formulas"));
    targets.add(new TargetRef("c", "entities"));

    List<String> order = FairOrder.order(targets, sizes).stream().map(TargetRef::toString).toList();

    // round 1: every client's largest, largest first; round 2: a and b; then a alone
    assertThat(order)
        .containsExactly(
            "a/raw_data",
            "c/entities",
            "b/formulas",
            "a/entities",
            "b/dimensions",
            "a/data_items",
            "a/formula_associations",
            "a/formulas",
            "a/dimensions");
  }

  @Test
  void unknownSizesGoLastInDeclarationOrder() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    sizes.put("zeta", 0L);
    sizes.put("alpha", 0L);
    sizes.put("big", 10L);
    List<TargetRef> targets = expand(List.of("x"), sizes.keySet());

    assertThat(FairOrder.order(targets, sizes))
        .extracting(TargetRef::target)
        .containsExactly("big", "zeta", "alpha");
  }

  @Test
  void keepsEveryTargetExactlyOnceWhateverTheInputOrder() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<String> clients = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      clients.add("client-" + i);
    }
    List<TargetRef> targets = new ArrayList<>(expand(clients, DEMO.keySet()));
    targets.removeIf(t -> random.nextInt(4) == 0);
    Collections.shuffle(targets, random);

    List<TargetRef> ordered = FairOrder.order(targets, DEMO);

    assertThat(ordered).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(targets);
    // Within each client, sizes never increase.
    Map<String, Long> lastSize = new LinkedHashMap<>();
    for (TargetRef ref : ordered) {
      long size = DEMO.get(ref.target());
      assertThat(size)
          .as("seed %d, %s", seed, ref)
          .isLessThanOrEqualTo(lastSize.getOrDefault(ref.clientId(), Long.MAX_VALUE));
      lastSize.put(ref.clientId(), size);
    }
  }

  @Test
  void emptyScopeOrdersToNothing() {
    assertThat(FairOrder.order(List.of(), DEMO)).isEmpty();
  }

  static List<TargetRef> expand(List<String> clients, Iterable<String> kinds) {
    List<TargetRef> refs = new ArrayList<>();
    for (String client : clients) {
      for (String kind : kinds) {
        refs.add(new TargetRef(client, kind));
      }
    }
    return refs;
  }
}
