package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.testing.ForwardingVersionLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VersionPrefetchTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final TargetRef ACME = new TargetRef("acme", "items");
  private static final TargetRef GLOBEX = new TargetRef("globex", "items");

  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  private final AtomicLong nanos = new AtomicLong();
  private final VersionPrefetch prefetch = new VersionPrefetch(versions, Duration.ofSeconds(10), nanos::get);

  private static ReceivedMessage delivery(TargetRef target, String handle) {
    String body = TargetMessageCodec.encode(TargetMessage.of("run-1", target, SyncMode.INCREMENTAL, NOW));
    return new ReceivedMessage("m-" + handle, body, handle, 1, Map.of(), NOW);
  }

  private static TargetVersion version(TargetRef target) {
    return new TargetVersion(target, 1, 5, "manifests/" + target.key(), 3, "00", 0, "run-0", NOW);
  }

  @Test
  void aRecordServesItsOwnDeliveryOnceWhileFresh() {
    versions.commit(version(ACME), 0);
    ReceivedMessage acme = delivery(ACME, "h1");
    ReceivedMessage globex = delivery(GLOBEX, "h2");

    prefetch.prefetch(List.of(acme, globex));

    assertThat(prefetch.take(acme, ACME)).contains(Optional.of(version(ACME)));
    assertThat(prefetch.take(acme, ACME)).isEmpty(); // used up
    assertThat(prefetch.take(delivery(GLOBEX, "other-handle"), GLOBEX)).isEmpty(); // another delivery
    nanos.addAndGet(Duration.ofSeconds(10).toNanos() + 1);
    assertThat(prefetch.take(globex, GLOBEX)).isEmpty(); // too old
  }

  @Test
  void aTargetWithoutARecordIsKnownToHaveNone() {
    ReceivedMessage acme = delivery(ACME, "h1");
    prefetch.prefetch(List.of(acme, delivery(GLOBEX, "h2")));

    assertThat(prefetch.take(acme, ACME)).contains(Optional.empty());
  }

  @Test
  void aSingleMessageOrAFailedReadLeavesEveryTargetToReadItsOwn() {
    ReceivedMessage acme = delivery(ACME, "h1");
    prefetch.prefetch(List.of(acme));
    assertThat(prefetch.take(acme, ACME)).isEmpty();

    VersionPrefetch failing =
        new VersionPrefetch(
            new ForwardingVersionLedger(versions) {
              @Override
              public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
                throw new IllegalStateException("DynamoDB unavailable");
              }
            },
            Duration.ofSeconds(10), nanos::get);
    failing.prefetch(List.of(acme, delivery(GLOBEX, "h2")));
    assertThat(failing.take(acme, ACME)).isEmpty();
    assertThat(failing.size()).isZero();
  }

  @Test
  void targetsTheStoreDidNotAnswerForAreLeftToReadTheirOwn() {
    VersionPrefetch partial =
        new VersionPrefetch(
            new ForwardingVersionLedger(versions) {
              @Override
              public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
                return Map.of(ACME, Optional.empty()); // GLOBEX left unprocessed
              }
            },
            Duration.ofSeconds(10), nanos::get);
    ReceivedMessage acme = delivery(ACME, "h1");
    ReceivedMessage globex = delivery(GLOBEX, "h2");

    partial.prefetch(List.of(acme, globex));

    assertThat(partial.take(acme, ACME)).contains(Optional.empty());
    assertThat(partial.take(globex, GLOBEX)).isEmpty();
  }
}
