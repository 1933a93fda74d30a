package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The DLQ tools on the real embedded stack: messages are put into the DLQ directly, with the reason
 * attributes a worker sets when it dead-letters one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DlqApiIT {
  private static final int AGE_SECONDS = 4;
  private ProducerFixture producer;
  private String run;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("dlq-api", 3).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  /** Four dead letters of one run: three readable (two of c0001), one malformed. */
  @BeforeEach
  void fillTheDlq() {
    producer.drain(producer.queues.dlqUrl());
    producer.drainWorkQueue();
    run = "run-20260101T000000Z-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    producer.ledger.createRun(
        new RunRecord(run, "all", SyncMode.FULL, "test", Instant.now().minusSeconds(600), 3));
    deadLetter(new TargetRef("c0001", "raw_data"), "source-unavailable", "connection refused");
    deadLetter(new TargetRef("c0001", "entities"), null, null);
    deadLetter(
        new TargetRef("c0002", "raw_data"), "unknown-target", "no target raw_data for c0002");
    putInDlq("{\"runId\": \"" + run + "\", oops", "malformed-json", "message body is not JSON");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> producer.visibleMessages(producer.queues.dlqUrl()) == 4);
  }

  private void deadLetter(TargetRef target, String reason, String detail) {
    producer.ledger.markOutcome(
        run,
        new TargetProgress(
            target, TargetState.DEAD_LETTERED, 3, detail, "w1", 0, 0, 0, 0, Instant.now()));
    putInDlq(
        TargetMessageCodec.encode(
            TargetMessage.of(run, target, SyncMode.FULL, Instant.now().minusSeconds(600))),
        reason,
        detail);
  }

  private void putInDlq(String body, String reason, String detail) {
    Map<String, MessageAttributeValue> attributes = new HashMap<>();
    if (reason != null) {
      attributes.put(
          "sb-reason",
          MessageAttributeValue.builder().dataType("String").stringValue(reason).build());
      attributes.put(
          "sb-detail",
          MessageAttributeValue.builder().dataType("String").stringValue(detail).build());
    }
    producer
        .clients
        .sqs()
        .sendMessage(
            b ->
                b.queueUrl(producer.queues.dlqUrl())
                    .messageBody(body)
                    .messageAttributes(attributes));
  }

  @Test
  void listShowsReasonsAndParsedFieldsAndHidesNothing() {
    Response response = producer.get("/api/dlq?limit=10");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<JsonNode> messages = list(response.json().get("messages"));
    assertThat(messages).hasSize(4);
    JsonNode first = byTarget(messages, "c0001", "raw_data");
    assertThat(first.get("reason").asText()).isEqualTo("source-unavailable");
    assertThat(first.get("detail").asText()).isEqualTo("connection refused");
    assertThat(first.get("runId").asText()).isEqualTo(run);
    assertThat(first.get("sentAt").isTextual()).isTrue();
    assertThat(first.get("receiveCount").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(byTarget(messages, "c0001", "entities").get("reason").asText())
        .isEqualTo("max-receive-count");
    JsonNode malformed =
        messages.stream()
            .filter(m -> m.get("reason").asText().equals("malformed-json"))
            .findFirst()
            .orElseThrow();
    assertThat(malformed.get("clientId").isNull()).isTrue();
    assertThat(malformed.get("body").asText()).contains("oops");
    assertThat(producer.visibleMessages(producer.queues.dlqUrl())).isEqualTo(4);

    assertThat(producer.get("/api/dlq?limit=0").status()).isEqualTo(400);
    assertThat(producer.get("/api/dlq?limit=101").error())
        .contains("limit must be an integer 1..100");
  }

  @Test
  void statsCountByReasonAndByClient() {
    JsonNode stats = producer.get("/api/dlq/stats").json();

    assertThat(stats.get("approximateNumberOfMessages").asLong()).isEqualTo(4);
    assertThat(stats.get("scanned").asInt()).isEqualTo(4);
    assertThat(stats.get("complete").asBoolean()).isTrue();
    assertThat(stats.get("byReason").get("source-unavailable").asInt()).isEqualTo(1);
    assertThat(stats.get("byReason").get("unknown-target").asInt()).isEqualTo(1);
    assertThat(stats.get("byReason").get("malformed-json").asInt()).isEqualTo(1);
    assertThat(stats.get("byReason").get("max-receive-count").asInt()).isEqualTo(1);
    assertThat(stats.get("byClient").get("c0001").asInt()).isEqualTo(2);
    assertThat(stats.get("byClient").get("c0002").asInt()).isEqualTo(1);
    assertThat(stats.get("byClient").get("(unreadable)").asInt()).isEqualTo(1);
    assertThat(producer.visibleMessages(producer.queues.dlqUrl()))
        .as("the walk released everything")
        .isEqualTo(4);
  }

  @Test
  void aDryRunReportsWhatWouldMoveAndMovesNothing() {
    Map<String, String> before = dlqContents();
    Response response =
        producer.post(
            "/api/dlq/redrive", "{\"dryRun\": true, \"filter\": {\"clientId\": \"c0001\"}}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode result = response.json();
    assertThat(result.get("dryRun").asBoolean()).isTrue();
    assertThat(result.get("scanned").asInt()).isEqualTo(4);
    assertThat(result.get("matched").asInt()).isEqualTo(2);
    assertThat(result.get("moved").asInt()).isZero();
    assertThat(list(result.get("messages")))
        .extracting(m -> m.get("target").asText() + ":" + m.get("outcome").asText())
        .containsExactlyInAnyOrder("raw_data:would-move", "entities:would-move");
    assertThat(list(result.get("messages")))
        .extracting(m -> m.get("messageId").asText())
        .containsExactlyInAnyOrderElementsOf(idsOf(before, "\"clientId\":\"c0001\""));
    assertThat(dlqContents()).as("the DLQ is untouched").isEqualTo(before);
    assertThat(producer.visibleMessages(producer.queues.dlqUrl())).isEqualTo(4);
    assertThat(producer.visibleMessages(producer.queues.queueUrl())).isZero();
  }

  @Test
  void aRedriveSentAsCurlDashDSendsItIsTakenAsJson() {
    // curl -d with no -H 'Content-Type: ...' sends application/x-www-form-urlencoded.
    Response response =
        producer.post(
            "/api/dlq/redrive",
            "{\"dryRun\": true, \"filter\": {\"clientId\": \"c0001\"}}",
            ProducerFixture.ADMIN_TOKEN,
            "application/x-www-form-urlencoded");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().get("matched").asInt()).isEqualTo(2);
    assertThat(response.json().get("moved").asInt()).isZero();
  }

  @Test
  void aTargetFilterMovesExactlyThatTargetsMessagesOfEveryClient() {
    Map<String, String> before = dlqContents();
    List<String> selected = idsOf(before, "\"target\":\"raw_data\"");
    assertThat(selected).hasSize(2);

    Response response =
        producer.post("/api/dlq/redrive", "{\"filter\": {\"target\": \"raw_data\"}}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertMovedExactly(response.json(), before, selected);
  }

  @Test
  void aClientAndTargetFilterMovesTheOneMessageMatchingBoth() {
    Map<String, String> before = dlqContents();
    List<String> selected =
        idsOf(before, "\"clientId\":\"c0001\"").stream()
            .filter(id -> before.get(id).contains("\"target\":\"entities\""))
            .toList();
    assertThat(selected).hasSize(1);

    Response response =
        producer.post(
            "/api/dlq/redrive",
            "{\"filter\": {\"clientId\": \"c0001\", \"target\": \"entities\"}}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertMovedExactly(response.json(), before, selected);
  }

  @Test
  void anAgeFilterMovesOnlyMessagesThatWaitedLongEnough() {
    Map<String, String> old = dlqContents();
    Instant oldSent = Instant.now();
    // SQS stamps SentTimestamp itself: the only way to have older and newer messages is to wait.
    await()
        .pollInterval(Duration.ofMillis(100))
        .atMost(Duration.ofSeconds(10))
        .until(() -> Instant.now().isAfter(oldSent.plusSeconds(AGE_SECONDS)));
    putInDlq(
        TargetMessageCodec.encode(
            TargetMessage.of(run, new TargetRef("c0003", "raw_data"), SyncMode.FULL, Instant.now())),
        "source-unavailable",
        "fresh");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> producer.visibleMessages(producer.queues.dlqUrl()) == 5);
    Map<String, String> before = dlqContents();

    Response response =
        producer.post(
            "/api/dlq/redrive",
            "{\"filter\": {\"olderThanSeconds\": " + AGE_SECONDS + "}}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertMovedExactly(response.json(), before, List.copyOf(old.keySet()));
  }

  /**
   * The result names exactly {@code selected}, the work queue holds exactly their bodies, and the
   * DLQ exactly the others.
   */
  private void assertMovedExactly(JsonNode result, Map<String, String> before, List<String> selected) {
    assertThat(result.get("dryRun").asBoolean()).isFalse();
    assertThat(result.get("matched").asInt()).isEqualTo(selected.size());
    assertThat(result.get("moved").asInt()).isEqualTo(selected.size());
    assertThat(list(result.get("messages")))
        .allSatisfy(m -> assertThat(m.get("outcome").asText()).isEqualTo("moved"))
        .extracting(m -> m.get("messageId").asText())
        .containsExactlyInAnyOrderElementsOf(selected);
    assertThat(producer.drain(producer.queues.queueUrl()))
        .extracting(Message::body)
        .containsExactlyInAnyOrderElementsOf(selected.stream().map(before::get).toList());
    Map<String, String> left = new HashMap<>(before);
    selected.forEach(left::remove);
    assertThat(dlqContents()).isEqualTo(left);
  }

  /** Every DLQ message, id to body, as the list endpoint shows it (a peek: nothing is hidden). */
  private Map<String, String> dlqContents() {
    Map<String, String> contents = new HashMap<>();
    for (JsonNode message : list(producer.get("/api/dlq?limit=100").json().get("messages"))) {
      contents.put(message.get("messageId").asText(), message.get("body").asText());
    }
    return contents;
  }

  private static List<String> idsOf(Map<String, String> contents, String bodyPart) {
    return contents.entrySet().stream()
        .filter(e -> e.getValue().replace(" ", "").contains(bodyPart))
        .map(Map.Entry::getKey)
        .toList();
  }

  @Test
  void aFilteredRedriveMovesExactlyTheMatchesBackIntoTheirRun() {
    Response response =
        producer.post(
            "/api/dlq/redrive",
            "{\"filter\": {\"reason\": \"source-unavailable\"}, \"run\": \"original\"}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().get("moved").asInt()).isEqualTo(1);
    List<TargetMessage> moved = producer.drainWorkQueue();
    assertThat(moved)
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.runId()).isEqualTo(run);
              assertThat(m.targetRef()).isEqualTo(new TargetRef("c0001", "raw_data"));
            });
    List<Message> left = producer.drain(producer.queues.dlqUrl());
    assertThat(left).hasSize(3);
    assertThat(left)
        .extracting(Message::body)
        .noneMatch(b -> b.contains("\"raw_data\"") && b.contains("c0001"));
    // The original run counts the target as queued again.
    JsonNode status = producer.get("/api/runs/" + run).json();
    assertThat(status.get("counts").get("queued").asInt()).isEqualTo(1);
    assertThat(status.get("counts").get("deadLettered").asInt()).isEqualTo(2);
    assertThat(status.get("state").asText()).isEqualTo("running");
    assertThat(status.get("total").asInt()).isEqualTo(3);

    // A worker finishes the redriven target: the run counts it once, as succeeded, and ends.
    succeed(run, new TargetRef("c0001", "raw_data"));
    JsonNode done = producer.get("/api/runs/" + run).json();
    assertThat(done.get("total").asInt()).isEqualTo(3);
    assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(1);
    assertThat(done.get("counts").get("deadLettered").asInt()).isEqualTo(2);
    assertThat(done.get("counts").get("queued").asInt()).isZero();
    assertThat(done.get("state").asText()).isEqualTo("failed");
  }

  private void succeed(String runId, TargetRef target) {
    producer.ledger.markOutcome(
        runId,
        new TargetProgress(
            target, TargetState.SUCCEEDED, 1, null, "w1", 10, 100, 5, 1, Instant.now()));
  }

  @Test
  void aRedriveIntoANewRunRecordsItAndReaddressesTheMessages() {
    Response response =
        producer.post(
            "/api/dlq/redrive", "{\"filter\": {\"clientId\": \"c0001\"}, \"run\": \"new\"}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    String newRun = response.json().get("newRunId").asText();
    assertThat(newRun).isNotEqualTo(run);
    assertThat(response.json().get("moved").asInt()).isEqualTo(2);
    List<TargetMessage> moved = producer.drainWorkQueue();
    assertThat(moved).extracting(TargetMessage::runId).containsExactly(newRun, newRun);
    assertThat(moved)
        .extracting(TargetMessage::targetRef)
        .containsExactlyInAnyOrder(
            new TargetRef("c0001", "raw_data"), new TargetRef("c0001", "entities"));
    RunRecord record = producer.ledger.run(newRun).orElseThrow();
    assertThat(record.totalTargets()).isEqualTo(2);
    assertThat(record.scope()).isEqualTo("redrive:client=c0001");
    assertThat(producer.get("/api/runs/" + newRun).json().get("counts").get("queued").asInt())
        .isEqualTo(2);
    assertThat(producer.visibleMessages(producer.queues.dlqUrl())).isEqualTo(2);

    // The new run finishes on its own; the original keeps its record of what was dead-lettered.
    moved.forEach(m -> succeed(newRun, m.targetRef()));
    JsonNode done = producer.get("/api/runs/" + newRun).json();
    assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(2);
    assertThat(done.get("counts").get("queued").asInt()).isZero();
    assertThat(done.get("state").asText()).isEqualTo("succeeded");
    JsonNode original = producer.get("/api/runs/" + run).json();
    assertThat(original.get("total").asInt()).isEqualTo(3);
    assertThat(original.get("counts").get("deadLettered").asInt()).isEqualTo(3);
    assertThat(original.get("counts").get("queued").asInt()).isZero();
  }

  @Test
  void aNewRunRedriveOfTwoDeadLettersOfOneTargetSendsOneMessageAndFinishes() {
    // The same target dead-lettered again, in a later run.
    String laterRun = run + "b";
    producer.ledger.createRun(
        new RunRecord(laterRun, "all", SyncMode.FULL, "test", Instant.now().minusSeconds(60), 1));
    putInDlq(
        TargetMessageCodec.encode(
            TargetMessage.of(
                laterRun,
                new TargetRef("c0001", "raw_data"),
                SyncMode.FULL,
                Instant.now().minusSeconds(60))),
        "source-unavailable",
        "connection refused");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> producer.visibleMessages(producer.queues.dlqUrl()) == 5);

    Response response =
        producer.post(
            "/api/dlq/redrive",
            "{\"filter\": {\"clientId\": \"c0001\", \"target\": \"raw_data\"}, \"run\":"
                + " \"new\"}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().get("moved").asInt()).isEqualTo(2);
    String newRun = response.json().get("newRunId").asText();
    List<TargetMessage> moved = producer.drainWorkQueue();
    assertThat(moved)
        .extracting(TargetMessage::targetRef)
        .containsExactly(new TargetRef("c0001", "raw_data"));
    assertThat(producer.ledger.run(newRun).orElseThrow().totalTargets()).isEqualTo(1);
    assertThat(producer.visibleMessages(producer.queues.dlqUrl()))
        .as("both copies left the DLQ")
        .isEqualTo(3);

    moved.forEach(m -> succeed(newRun, m.targetRef()));
    JsonNode done = producer.get("/api/runs/" + newRun).json();
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
  }

  @Test
  void aFilteredRedriveKeepsTheMessageGroupOfTheDeadLetter() {
    putGroupedInDlq(new TargetRef("c0003", "raw_data"), "c0003");

    Response response =
        producer.post("/api/dlq/redrive", "{\"filter\": {\"clientId\": \"c0003\"}}");

    assertThat(response.json().get("moved").asInt()).as(response.body()).isEqualTo(1);
    List<Message> moved = receiveAllWithGroups(producer.queues.queueUrl());
    assertThat(moved)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                    .isEqualTo("c0003"));
  }

  @Test
  void redriveOfEverythingUsesTheMoveTaskAndReportsItsStatus() {
    putGroupedInDlq(new TargetRef("c0003", "raw_data"), "c0003");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> producer.visibleMessages(producer.queues.dlqUrl()) == 5);
    Response response = producer.post("/api/dlq/redrive", "{}");

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.json().get("mode").asText()).isEqualTo("move-task");
    String handle = response.json().get("taskHandle").asText();
    assertThat(handle).isNotBlank();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(producer.visibleMessages(producer.queues.dlqUrl())).isZero();
              assertThat(producer.visibleMessages(producer.queues.queueUrl())).isEqualTo(5);
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<JsonNode> tasks = list(producer.get("/api/dlq/redrive").json().get("tasks"));
              assertThat(tasks)
                  .anySatisfy(
                      t -> {
                        assertThat(t.get("taskHandle").asText()).isEqualTo(handle);
                        assertThat(t.get("status").asText()).isEqualTo("COMPLETED");
                      });
            });
    List<Message> moved = receiveAllWithGroups(producer.queues.queueUrl());
    assertThat(moved).extracting(Message::body).hasSize(5).anyMatch(b -> b.contains("oops"));
    assertThat(moved)
        .filteredOn(m -> m.body().contains("c0003"))
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                    .as("the move task keeps the message group")
                    .isEqualTo("c0003"));
  }

  private void putGroupedInDlq(TargetRef target, String groupId) {
    producer
        .clients
        .sqs()
        .sendMessage(
            b ->
                b.queueUrl(producer.queues.dlqUrl())
                    .messageBody(
                        TargetMessageCodec.encode(
                            TargetMessage.of(run, target, SyncMode.FULL, Instant.now())))
                    .messageGroupId(groupId));
  }

  private List<Message> receiveAllWithGroups(String queueUrl) {
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> batch =
          producer
              .clients
              .sqs()
              .receiveMessage(
                  b ->
                      b.queueUrl(queueUrl)
                          .maxNumberOfMessages(10)
                          .waitTimeSeconds(1)
                          .visibilityTimeout(60)
                          .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID))
              .messages();
      if (batch.isEmpty()) {
        return all;
      }
      all.addAll(batch);
    }
  }

  @Test
  void badRedriveRequestsAre400WithAMessage() {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("{\"dryRun\": tru", "request body is not valid JSON: Unrecognized token 'tru'");
    cases.put("", "request body is required");
    cases.put("{\"dryRun\": true, \"dryRun\": false}", "Duplicate field 'dryRun'");
    cases.put("[1]", "request body must be a JSON object");
    cases.put("{\"dryRun\": \"yes\"}", "dryRun must be true or false");
    cases.put("{\"run\": \"latest\"}", "run must be \"original\" or \"new\"");
    cases.put("{\"filter\": {}}", "filter must name at least one of");
    cases.put(
        "{\"filter\": {\"olderThanSeconds\": -5}}",
        "filter.olderThanSeconds must be a whole number 0..1209600");
    cases.put(
        "{\"dryRun\": true, \"filter\": {\"olderThanSeconds\": 9223372036854775807}}",
        "filter.olderThanSeconds must be a whole number 0..1209600 (14 days");
    cases.put("{\"filters\": {}}", "unknown field 'filters'");
    List<String> failures = new ArrayList<>();
    cases.forEach(
        (body, message) -> {
          Response response = producer.post("/api/dlq/redrive", body);
          if (response.status() != 400
              || response.error().isBlank()
              || !response.error().contains(message)) {
            failures.add(body + " -> " + response.status() + " " + response.body());
          }
        });
    assertThat(failures).isEmpty();
    assertThat(producer.visibleMessages(producer.queues.dlqUrl())).isEqualTo(4);
  }

  private static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).toList();
  }

  private static JsonNode byTarget(List<JsonNode> messages, String clientId, String target) {
    return messages.stream()
        .filter(
            m ->
                clientId.equals(m.get("clientId").asText(null))
                    && target.equals(m.get("target").asText(null)))
        .findFirst()
        .orElseThrow();
  }
}
