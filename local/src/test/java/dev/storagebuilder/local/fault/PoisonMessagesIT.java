package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** Every kind of poison message lands in the DLQ on its first receive with its reason; the run finishes. */
class PoisonMessagesIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path stateDir;

  @Test
  void everyMalformedMessageKindIsDeadLetteredOnFirstReceiveWithItsReason() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      GenerationReport generated = source.load(new DemoDataGenerator(17, 0.002));
      FleetOptions options =
          new FleetOptions(stateDir, 1, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()),
              Map.of("storage-builder.worker.receive-wait", "1s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        String client = generated.clientIds().get(0);
        Map<String, String> poison = poisonBodies(client);
        poison.forEach((reason, body) ->
            aws.sqs().sendMessage(b -> b.queueUrl(fleet.queues().queueUrl()).messageBody(body)));
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();

        JsonNode finished =
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));
        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(generated.clientIds().size() * 6);

        List<Message> dead = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          dead.addAll(aws.sqs().receiveMessage(b -> b.queueUrl(fleet.queues().dlqUrl()).maxNumberOfMessages(10)
              .waitTimeSeconds(1).visibilityTimeout(60).messageAttributeNames("All")
              .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
          return dead.size() >= poison.size();
        });
        Map<String, String> reasonByBody = new LinkedHashMap<>();
        for (Message m : dead) {
          reasonByBody.put(m.body(), m.messageAttributes().get("sb-reason").stringValue());
          assertThat(m.messageAttributes().get("sb-receive-count").stringValue()).as("first receive").isEqualTo("1");
        }
        assertThat(dead).hasSize(poison.size());
        poison.forEach((reason, body) -> assertThat(reasonByBody).as(reason).containsEntry(body, reason));
      }
    }
  }

  private static Map<String, String> poisonBodies(String client) throws Exception {
    Instant now = Instant.now();
    String valid = TargetMessageCodec.encode(TargetMessage.of("run-poison", new TargetRef(client, "entities"), SyncMode.FULL, now));
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("malformed-json", "{this is not json");
    ObjectNode future = (ObjectNode) JSON.readTree(valid);
    future.put("schemaVersion", 99);
    bodies.put("unknown-schema-version", JSON.writeValueAsString(future));
    ObjectNode missing = (ObjectNode) JSON.readTree(valid);
    missing.remove("clientId");
    bodies.put("missing-field", JSON.writeValueAsString(missing));
    ObjectNode big = (ObjectNode) JSON.readTree(valid);
    big.put("padding", "x".repeat(TargetMessageCodec.MAX_BODY_BYTES + 1));
    bodies.put("oversized", JSON.writeValueAsString(big));
    bodies.put("unknown-client",
        TargetMessageCodec.encode(TargetMessage.of("run-poison", new TargetRef("no-such-client", "entities"), SyncMode.FULL, now)));
    bodies.put("unknown-target",
        TargetMessageCodec.encode(TargetMessage.of("run-poison", new TargetRef(client, "no_such_target"), SyncMode.FULL, now)));
    return bodies;
  }
}
