package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.producer.testing.ProducerFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.Message;

/** The producer's fleet-load gauges on /prometheus, from real queue attributes and the ledger. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
  private ProducerFixture producer;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("metrics", 2).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  @Test
  void queueDepthDlqDepthActiveWorkersAndBacklogPerWorkerAreExported() {
    String runId =
        producer.post("/api/runs", "{\"scope\": \"all\"}").json().get("runId").asText();
    // Two workers are up, a third went away long ago: the backlog is shared between the two.
    Instant now = Instant.now();
    producer.ledger.markWorkerAlive("worker-a", now);
    producer.ledger.markWorkerAlive("worker-b", now.minusSeconds(60));
    producer.ledger.markWorkerAlive("worker-gone", now.minus(Duration.ofHours(1)));
    // A worker's progress on a target does not count it: only its own marks do.
    producer.ledger.markRunning(runId, new TargetRef("c0001", "entities"), "worker-c");
    producer.context().getBean(dev.storagebuilder.producer.sqs.QueueGauges.class).refresh();

    String metrics = producer.get("/prometheus", null).body();

    assertThat(metrics).contains("storage_builder_queue_visible 12.0");
    assertThat(metrics).contains("storage_builder_workers_active 2.0");
    assertThat(metrics).contains("storage_builder_queue_backlog_per_worker 6.0");
    assertThat(metrics).contains("storage_builder_dlq_visible 0.0");
    assertThat(metrics).contains("storage_builder_queue_inflight 0.0");
    assertThat(metrics).contains("storage_builder_runs_started_total");
  }

  @Test
  void aQueueThatCannotBeReadLeavesTheOtherGaugesCurrent() {
    try (ProducerFixture own = new ProducerFixture("metrics-no-dlq", 2).start()) {
      dev.storagebuilder.producer.sqs.QueueGauges gauges =
          own.context().getBean(dev.storagebuilder.producer.sqs.QueueGauges.class);
      own.post("/api/runs", "{\"scope\": \"all\"}");
      gauges.refresh();
      assertThat(own.get("/prometheus", null).body())
          .contains("storage_builder_queue_visible 12.0");

      // The DLQ goes away (deleted by hand, or a policy that no longer lets the producer read it);
      // the work queue still answers, and a second run doubles its backlog.
      own.clients.sqs().deleteQueue(b -> b.queueUrl(own.queues.dlqUrl()));
      own.post("/api/runs", "{\"scope\": \"all\"}");
      own.ledger.markWorkerAlive("worker-a", Instant.now());
      gauges.refresh();

      String metrics = own.get("/prometheus", null).body();
      assertThat(metrics).contains("storage_builder_queue_visible 24.0");
      assertThat(metrics).contains("storage_builder_workers_active 1.0");
      assertThat(metrics).contains("storage_builder_queue_backlog_per_worker 24.0");
      assertThat(metrics).contains("storage_builder_dlq_visible NaN");
    }
  }

  @Test
  void theDlqDepthCountsTheMessagesADlqWalkHolds() {
    String dlq = producer.queues.dlqUrl();
    producer.drain(dlq);
    for (int i = 0; i < 3; i++) {
      String body = "{\"n\": " + i + "}";
      producer.clients.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody(body));
    }
    // Held the way a stats walk, a dry run or a redrive holds them while it reads the DLQ.
    List<Message> held = new ArrayList<>();
    while (held.size() < 2) {
      int want = 2 - held.size();
      held.addAll(
          producer.clients.sqs()
              .receiveMessage(b -> b.queueUrl(dlq).maxNumberOfMessages(want).visibilityTimeout(60))
              .messages());
    }
    producer.context().getBean(dev.storagebuilder.producer.sqs.QueueGauges.class).refresh();

    String metrics = producer.get("/prometheus", null).body();

    held.forEach(
        m -> producer.clients.sqs().deleteMessage(b -> b.queueUrl(dlq).receiptHandle(m.receiptHandle())));
    producer.drain(dlq);
    assertThat(metrics).contains("storage_builder_dlq_visible 3.0");
  }
}
