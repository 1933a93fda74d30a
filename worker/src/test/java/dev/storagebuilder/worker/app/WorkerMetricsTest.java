package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.port.ReceivedMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final WorkerMetrics metrics = new WorkerMetrics(registry);

  private static ReceivedMessage message(String id) {
    return new ReceivedMessage(id, "{}", "handle-" + id, 1, Map.of(), Instant.EPOCH);
  }

  private double inflight() {
    return registry.get("storage_builder.worker.targets.inflight").gauge().value();
  }

  @Test
  void theInflightGaugeCountsMessagesUntilTheyFinishOrAreHandedBackUnstarted() {
    metrics.received(3);
    assertThat(inflight()).isEqualTo(3);

    metrics.finished(message("m1"), new Outcome.Done("committed sequence 1"), Duration.ofMillis(5));
    metrics.released(message("m2"), "waited PT2M30S for a free target slot");
    assertThat(inflight()).as("m3 still in hand").isEqualTo(1);

    metrics.released(message("m3"), "not started before the stop");
    assertThat(inflight()).isZero();
  }
}
