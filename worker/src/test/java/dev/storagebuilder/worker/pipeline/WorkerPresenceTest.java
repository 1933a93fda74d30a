package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class WorkerPresenceTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void eachTickMarksTheWorkerAliveAtTheClocksTime() {
    InMemoryRunLedger runs = new InMemoryRunLedger();

    new WorkerPresence(runs, "worker-7", Clock.fixed(NOW, ZoneOffset.UTC)).run();

    assertThat(runs.workersAliveSince(NOW)).containsExactly("worker-7");
    assertThat(runs.workersAliveSince(NOW.plus(1, ChronoUnit.SECONDS))).isEmpty();
  }

  @Test
  void aFailedMarkIsLoggedNotThrown() {
    // A task that throws is never run again by scheduleAtFixedRate: the worker would vanish from the count.
    RunLedger down = (RunLedger) Proxy.newProxyInstance(RunLedger.class.getClassLoader(), new Class<?>[] {RunLedger.class},
        (proxy, method, args) -> {
          throw new IllegalStateException("DynamoDB is unavailable");
        });
    WorkerPresence presence = new WorkerPresence(down, "worker-7", Clock.fixed(NOW, ZoneOffset.UTC));

    assertThatCode(presence::run).doesNotThrowAnyException();
  }
}
