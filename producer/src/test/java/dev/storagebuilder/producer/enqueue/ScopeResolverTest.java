package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.producer.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScopeResolverTest {
  private static final List<String> KINDS = List.of("raw_data", "entities");
  private static final List<String> CLIENTS = List.of("c1", "c2", "c3");

  private final ScopeResolver resolver = new ScopeResolver(KINDS, 100);

  @Test
  void allExpandsEveryClientTimesEveryKind() {
    assertThat(resolver.resolve(new RunScope.All(), CLIENTS))
        .extracting(TargetRef::toString)
        .containsExactly(
            "c1/raw_data",
            "c1/entities",
            "c2/raw_data",
            "c2/entities",
            "c3/raw_data",
            "c3/entities");
  }

  @Test
  void allCountsAClientTheSourceListsTwiceOnceWhereItFirstAppears() {
    assertThat(resolver.resolve(new RunScope.All(), List.of("c2", "c1", "c2", "c1")))
        .extracting(TargetRef::toString)
        .containsExactly("c2/raw_data", "c2/entities", "c1/raw_data", "c1/entities");
  }

  @Test
  void clientsExpandOnlyThoseClients() {
    assertThat(resolver.resolve(new RunScope.Clients(List.of("c3")), CLIENTS))
        .extracting(TargetRef::toString)
        .containsExactly("c3/raw_data", "c3/entities");
  }

  @Test
  void targetsAreTakenAsGiven() {
    List<TargetRef> targets = List.of(new TargetRef("c2", "entities"));
    assertThat(resolver.resolve(new RunScope.Targets(targets), CLIENTS)).isEqualTo(targets);
  }

  @Test
  void unknownClientIsRejectedByName() {
    assertThatThrownBy(() -> resolver.resolve(new RunScope.Clients(List.of("c1", "nope")), CLIENTS))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("unknown client 'nope' (not listed by the source's clients query)");
  }

  @Test
  void manyUnknownClientsAreCountedAndAbbreviated() {
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    new RunScope.Clients(List.of("x1", "x2", "x3", "x4", "x5", "x6", "x7")),
                    CLIENTS))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage(
            "7 unknown clients: 'x1', 'x2', 'x3', 'x4', 'x5' and 2 more (not listed by the source's"
                + " clients query)");
  }

  @Test
  void unknownTargetKindIsRejectedListingTheDeclaredOnes() {
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    new RunScope.Targets(List.of(new TargetRef("c1", "formulas"))), CLIENTS))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("unknown target kind 'formulas' (declared: raw_data, entities)");
  }

  @Test
  void unknownClientInTargetsIsRejected() {
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    new RunScope.Targets(List.of(new TargetRef("zz", "raw_data"))), CLIENTS))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("unknown client 'zz'");
  }

  @Test
  void scopeOverTheLimitIsRefusedNamingTheSetting() {
    ScopeResolver small = new ScopeResolver(KINDS, 5);
    assertThatThrownBy(() -> small.resolve(new RunScope.All(), CLIENTS))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("expands to 6 targets (3 clients x 2 target kinds)")
        .hasMessageContaining("storage-builder.enqueue.max-scope-targets (5)");
  }

  @Test
  void allOverAnEmptySourceIsAnEmptyRun() {
    assertThat(resolver.resolve(new RunScope.All(), List.of())).isEmpty();
  }
}
