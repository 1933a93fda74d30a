package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.fleet.FleetJars;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Every target of a run delivered three times (the producer's message plus two copies sent at
 * once, so two workers x two slots often run copies concurrently): exactly one commit per target.
 */
class DuplicateDeliveryIT {
  @TempDir Path stateDir;

  @Test
  void duplicateAndConcurrentDuplicateDeliveriesCommitEachTargetExactlyOnce() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      GenerationReport generated = source.load(new DemoDataGenerator(19, 0.002));
      FleetOptions options =
          new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()),
              Map.of("storage-builder.worker.receive-wait", "1s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
        List<TargetDeclaration> targets = SourceConfigLoader.demo(source.jdbcUrl(), null, null).targets();
        List<SendMessageBatchRequestEntry> copies = new ArrayList<>();
        for (String client : generated.clientIds()) {
          for (TargetDeclaration target : targets) {
            String body = TargetMessageCodec.encode(
                TargetMessage.of(runId, new TargetRef(client, target.name()), SyncMode.FULL, Instant.now()));
            for (int copy = 0; copy < 2; copy++) {
              copies.add(SendMessageBatchRequestEntry.builder().id("c" + copies.size()).messageBody(body).build());
            }
          }
        }
        for (int i = 0; i < copies.size(); i += 10) {
          List<SendMessageBatchRequestEntry> batch = copies.subList(i, Math.min(i + 10, copies.size()));
          assertThat(aws.sqs().sendMessageBatch(b -> b.queueUrl(fleet.queues().queueUrl()).entries(batch)).failed())
              .isEmpty();
        }
        int expectedTargets = generated.clientIds().size() * targets.size();

        JsonNode finished =
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));
        // the copies may still be draining after the run is complete: wait for the queue to empty
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> queueDepth(aws, fleet) == 0);

        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
        assertThat(GracefulShutdownIT.dlqDepth(aws, fleet)).isZero();
        DynamoVersionLedger versions = new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable());
        assertThat(versions.all()).hasSize(expectedTargets)
            .allSatisfy(v -> assertThat(versions.history(v.target())).as("exactly one commit").hasSize(1));
      }
    }
  }

  private static int queueDepth(AwsClients aws, LocalFleet fleet) {
    var attributes = aws.sqs().getQueueAttributes(b -> b.queueUrl(fleet.queues().queueUrl())
        .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed")).attributesAsStrings();
    return attributes.values().stream().mapToInt(Integer::parseInt).sum();
  }
}
