package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A run over 10,002 targets (1,667 clients x 6 kinds) enqueues in seconds on the embedded stack.
 */
class EnqueueScaleIT {
  @Test
  void tenThousandTargetsAreAllOnTheQueue() {
    try (ProducerFixture producer = new ProducerFixture("scale", 1_667).start()) {
      producer.post(
          "/api/runs",
          "{\"scope\": {\"clients\": [\"c0001\"]}}"); // warm up the JIT and the connections
      producer.drainWorkQueue();

      long started = System.nanoTime();
      Response response = producer.post("/api/runs", "{\"scope\": \"all\", \"mode\": \"full\"}");
      double seconds = (System.nanoTime() - started) / 1e9;

      assertThat(response.status()).as(response.body()).isEqualTo(202);
      assertThat(response.json().get("enqueued").asInt()).isEqualTo(10_002);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(producer.visibleMessages(producer.queues.queueUrl()))
                      .isEqualTo(10_002));
      System.out.printf(
          "enqueue of 10,002 targets: %.2f s (%.0f messages/s)%n", seconds, 10_002 / seconds);
    }
  }
}
