package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the queue refuses the messages, the caller gets a 503 and the run says what never went out;
 * when the queue cannot be found at all, or the source lists a client id no key can hold, the
 * caller gets a 503 and no run is recorded.
 */
class EnqueueFailureIT {
  @Test
  void aWorkQueueThatCannotBeFoundIsA503AndRecordsNoRun() {
    try (ProducerFixture producer =
        new ProducerFixture("enqueue-no-queue", 1)
            .with("storage-builder.aws.queue", "no-such-queue")
            .start()) {
      Response response = producer.post("/api/runs", "{\"scope\": \"all\"}");

      assertThat(response.status()).as(response.body()).isEqualTo(503);
      assertThat(response.error()).contains("cannot find SQS queue 'no-such-queue'");
      assertThat(producer.ledger.recentRuns(10)).as("no run left running").isEmpty();
    }
  }

  @Test
  void aClientIdTheSourceListsButNoKeyCanHoldIsA503NamingItAndRecordsNoRun() throws Exception {
    try (ProducerFixture producer = new ProducerFixture("enqueue-bad-client-id", 1).start();
        Connection source = DriverManager.getConnection(producer.jdbcUrl, "sa", "");
        Statement sql = source.createStatement()) {
      sql.execute("INSERT INTO clients VALUES ('acme corp', 'a space in the id')");

      Response response = producer.post("/api/runs", "{\"scope\": \"all\"}");

      assertThat(response.status()).as(response.body()).isEqualTo(503);
      assertThat(response.error())
          .contains("the source's clients query returned an unusable client id")
          .contains("acme corp");
      assertThat(producer.ledger.recentRuns(10)).isEmpty();
      assertThat(producer.visibleMessages(producer.queues.queueUrl())).isZero();
    }
  }

  @Test
  void messagesThatCannotBeSentAreA503AndDeadLetteredInTheRun() {
    try (ProducerFixture producer = new ProducerFixture("enqueue-failure", 2).start()) {
      assertThat(producer.post("/api/runs", "{\"scope\": \"all\"}").status()).isEqualTo(202);
      // The producer knows the queue's URL now; take the queue away under it.
      producer.clients.sqs().deleteQueue(b -> b.queueUrl(producer.queues.queueUrl()));

      Response response = producer.post("/api/runs", "{\"scope\": \"all\"}");

      assertThat(response.status()).as(response.body()).isEqualTo(503);
      JsonNode body = response.json();
      assertThat(body.get("enqueued").asInt()).isZero();
      assertThat(body.get("total").asInt()).isEqualTo(12);
      assertThat(body.get("error").asText())
          .contains("only 0 of 12 messages")
          .contains("could be enqueued");
      String runId = body.get("runId").asText();
      List<TargetProgress> targets = producer.ledger.targets(runId);
      assertThat(targets)
          .hasSize(12)
          .allSatisfy(
              t -> {
                assertThat(t.state()).isEqualTo(TargetState.DEAD_LETTERED);
                assertThat(t.lastError()).startsWith("not enqueued: ");
              });
      JsonNode run = producer.get("/api/runs/" + runId).json();
      assertThat(run.get("state").asText()).isEqualTo("failed");
      assertThat(run.get("counts").get("deadLettered").asInt()).isEqualTo(12);

      // An old caller polls /is-completed with the taskId: the failed run's answer carries it too.
      Response legacy = producer.post("/update-all", null);
      assertThat(legacy.status()).as(legacy.body()).isEqualTo(503);
      String legacyRunId = legacy.json().get("runId").asText();
      assertThat(legacy.json().path("taskId").asText(null)).isEqualTo(legacyRunId);
      assertThat(legacy.error()).contains("only 0 of 12 messages");
      JsonNode completed = producer.get("/is-completed?taskId=" + legacyRunId).json();
      assertThat(completed.get("completed").asBoolean()).isTrue();
      assertThat(completed.get("state").asText()).isEqualTo("failed");
    }
  }
}
