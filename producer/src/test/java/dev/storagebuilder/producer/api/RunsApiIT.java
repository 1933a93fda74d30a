package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The runs API and the legacy aliases over real HTTP, SQS (ElasticMQ), DynamoDB (dynalite) and H2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunsApiIT {
  private static final List<String> CLIENTS = List.of("c0001", "c0002", "c0003");
  private static final List<String> KINDS =
      SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).targetNames();

  private ProducerFixture producer;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("runs-api", 3).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  @BeforeEach
  void emptyTheQueue() {
    producer.drainWorkQueue();
  }

  @Test
  void aRunOverAllClientsSendsOneMessagePerClientAndTargetAndRecordsTheRunFirst() {
    Instant before = Instant.now();
    Response response = producer.post("/api/runs", "{\"scope\": \"all\", \"mode\": \"full\"}");

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    JsonNode body = response.json();
    String runId = body.get("runId").asText();
    assertThat(body.get("enqueued").asInt()).isEqualTo(18);
    assertThat(body.get("total").asInt()).isEqualTo(18);
    assertThat(body.get("mode").asText()).isEqualTo("full");
    assertThat(body.get("scope").asText()).isEqualTo("all");

    List<TargetMessage> messages = producer.drainWorkQueue();
    assertThat(messages).hasSize(18);
    assertThat(messages)
        .extracting(TargetMessage::targetRef)
        .containsExactlyInAnyOrderElementsOf(expand(CLIENTS));
    assertThat(messages)
        .allSatisfy(
            m -> {
              assertThat(m.runId()).isEqualTo(runId);
              assertThat(m.mode()).isEqualTo(SyncMode.FULL);
              assertThat(m.schemaVersion()).isEqualTo(TargetMessage.CURRENT_SCHEMA_VERSION);
              assertThat(m.requestedAt()).isBetween(before.minusSeconds(1), Instant.now());
            });

    RunRecord record = producer.ledger.run(runId).orElseThrow();
    assertThat(record.totalTargets()).isEqualTo(18);
    assertThat(record.scope()).isEqualTo("all");
    assertThat(record.mode()).isEqualTo(SyncMode.FULL);
    assertThat(record.requestedBy()).isEqualTo("api");
    assertThat(record.requestedAt()).isEqualTo(messages.get(0).requestedAt());
    assertThat(record.enqueueing()).as("marked sent once the messages went out").isFalse();

    Response status = producer.get("/api/runs/" + runId);
    assertThat(status.status()).isEqualTo(200);
    JsonNode run = status.json();
    assertThat(run.get("runId").asText()).isEqualTo(runId);
    assertThat(run.get("state").asText()).isEqualTo("running");
    assertThat(run.get("mode").asText()).isEqualTo("full");
    assertThat(run.get("scope").asText()).isEqualTo("all");
    assertThat(Instant.parse(run.get("requestedAt").asText())).isEqualTo(record.requestedAt());
    assertThat(run.get("finishedAt").isNull()).isTrue();
    assertThat(run.get("total").asInt()).isEqualTo(18);
    assertThat(run.get("counts").get("queued").asInt()).isEqualTo(18);
    assertThat(run.get("counts").get("running").asInt()).isZero();
    assertThat(run.get("counts").get("failed").asInt()).isZero();
    assertThat(run.get("counts").get("succeeded").asInt()).isZero();
    assertThat(run.get("counts").get("deadLettered").asInt()).isZero();
    assertThat(run.get("counts").get("notSent").asInt()).isZero();
    assertThat(run.get("rows").asLong()).isZero();
    assertThat(run.get("bytes").asLong()).isZero();
    assertThat(run.get("etaSeconds").isNull()).isTrue();
  }

  @Test
  void aRunOverSomeClientsSendsOnlyTheirTargets() {
    Response response =
        producer.post(
            "/api/runs",
            "{\"scope\": {\"clients\": [\"c0002\", \"c0003\"]}, \"mode\": \"incremental\"}");

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.json().get("enqueued").asInt()).isEqualTo(12);
    assertThat(response.json().get("scope").asText()).isEqualTo("clients:c0002,c0003");
    List<TargetMessage> messages = producer.drainWorkQueue();
    assertThat(messages)
        .extracting(TargetMessage::targetRef)
        .containsExactlyInAnyOrderElementsOf(expand(List.of("c0002", "c0003")));
    assertThat(messages).extracting(TargetMessage::mode).containsOnly(SyncMode.INCREMENTAL);
  }

  @Test
  void aRunOverSomeTargetsSendsExactlyThose() {
    Response response =
        producer.post(
            "/api/runs",
            "{\"scope\": {\"targets\": [{\"clientId\": \"c0001\", \"target\": \"entities\"},"
                + " {\"clientId\": \"c0003\", \"target\": \"raw_data\"}]}}");

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.json().get("enqueued").asInt()).isEqualTo(2);
    assertThat(response.json().get("mode").asText()).isEqualTo("full");
    assertThat(producer.drainWorkQueue())
        .extracting(TargetMessage::targetRef)
        .containsExactlyInAnyOrder(
            new TargetRef("c0001", "entities"), new TargetRef("c0003", "raw_data"));
  }

  @Test
  void aRunStartedAsCurlDashDSendsItIsTakenAsJson() {
    // curl -d with no -H 'Content-Type: ...' sends application/x-www-form-urlencoded; the
    // README's own command does.
    Response response =
        producer.post(
            "/api/runs",
            "{\"scope\":{\"clients\":[\"c0002\"]},\"mode\":\"incremental\"}",
            ProducerFixture.ADMIN_TOKEN,
            "application/x-www-form-urlencoded");

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.json().get("enqueued").asInt()).isEqualTo(6);
    assertThat(response.json().get("scope").asText()).isEqualTo("clients:c0002");
    List<TargetMessage> messages = producer.drainWorkQueue();
    assertThat(messages)
        .extracting(TargetMessage::targetRef)
        .containsExactlyInAnyOrderElementsOf(expand(List.of("c0002")));
    assertThat(messages).extracting(TargetMessage::mode).containsOnly(SyncMode.INCREMENTAL);
  }

  @Test
  void everyBadRequestIsA400WithAMessageAndEnqueuesNothing() {
    record Case(String body, String message) {}
    List<Case> cases =
        List.of(
            new Case(
                "{\"scope\": {\"clients\": [\"c0001\", \"nobody\"]}}", "unknown client 'nobody'"),
            new Case(
                "{\"scope\": {\"targets\": [{\"clientId\": \"ghost\", \"target\": \"raw_data\"}]}}",
                "unknown client 'ghost'"),
            new Case(
                "{\"scope\": {\"targets\": [{\"clientId\": \"c0001\", \"target\": \"invoices\"}]}}",
                "unknown target kind 'invoices' (declared: raw_data,"),
            new Case(
                "{\"scope\": \"all\", \"mode\": \"partial\"}",
                "mode must be 'full' or 'incremental', got 'partial'"),
            new Case("{\"scope\": \"all\", \"mode\": 3}", "mode must be a string"),
            new Case("{\"scope\": {\"clients\": []}}", "scope.clients must not be empty"),
            new Case("{\"scope\": {\"targets\": []}}", "scope.targets must not be empty"),
            new Case("{\"scope\": \"all\"", "request body is not valid JSON"),
            new Case("not json at all", "request body is not valid JSON"),
            new Case("", "request body is required"),
            new Case("[]", "request body must be a JSON object"),
            new Case("{\"scope\": 7}", "scope must be \"all\""),
            new Case(
                "{\"scope\": {\"clients\": \"c0001\"}}",
                "scope.clients must be an array of client ids, got a string"),
            new Case(
                "{\"scope\": {\"clients\": [1, 2]}}",
                "scope.clients[0] must be a client id string, got a number (1)"),
            new Case(
                "{\"scope\": {\"targets\": [{\"clientId\": \"c0001\", \"target\": 5}]}}",
                "scope.targets[0].target must be a target kind string"),
            new Case("{\"scope\": \"all\", \"extra\": true}", "unknown field 'extra'"));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      Response response = producer.post("/api/runs", c.body());
      if (response.status() != 400 || !response.error().contains(c.message())) {
        failures.add(c.body() + " -> " + response.status() + " " + response.body());
      }
    }
    assertThat(failures).isEmpty();
    assertThat(producer.visibleMessages(producer.queues.queueUrl())).isZero();
  }

  @Test
  void readsValidateTheirInput() {
    assertBadRequest(producer.get("/api/runs/bad%20id"), "runId must be");
    assertBadRequest(producer.get("/api/runs?limit=0"), "limit must be an integer 1..200, got '0'");
    assertBadRequest(producer.get("/api/runs?limit=201"), "limit must be an integer 1..200");
    assertBadRequest(
        producer.get("/api/runs?limit=ten"), "limit must be an integer 1..200, got 'ten'");
    String runId = startRun("{\"scope\": {\"clients\": [\"c0001\"]}}");
    assertBadRequest(
        producer.get("/api/runs/" + runId + "/targets?state=done"),
        "state must be one of queued, running, failed, succeeded, dead-lettered");

    Response unknown = producer.get("/api/runs/run-20200101T000000Z-zzzzzz");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error()).isEqualTo("no run 'run-20200101T000000Z-zzzzzz' in the run ledger");
    assertThat(producer.get("/api/runs/run-20200101T000000Z-zzzzzz/targets").status())
        .isEqualTo(404);

    Response noRoute = producer.get("/api/nothing-here");
    assertThat(noRoute.status()).isEqualTo(404);
    assertThat(noRoute.error()).isNotBlank();
  }

  @Test
  void statusFollowsTheWorkersProgressAndListsTargetsByState() {
    String runId = startRun("{\"scope\": {\"clients\": [\"c0001\"]}}");
    Instant now = Instant.now();
    producer.ledger.markRunning(runId, new TargetRef("c0001", "raw_data"), "w1");
    producer.ledger.markOutcome(
        runId,
        new TargetProgress(
            new TargetRef("c0001", "raw_data"),
            TargetState.SUCCEEDED,
            1,
            null,
            "w1",
            1000,
            4096,
            50,
            1,
            now));
    producer.ledger.markOutcome(
        runId,
        new TargetProgress(
            new TargetRef("c0001", "entities"),
            TargetState.DEAD_LETTERED,
            3,
            "unknown-target: x",
            "w2",
            0,
            0,
            10,
            0,
            now));
    producer.ledger.markRunning(runId, new TargetRef("c0001", "formulas"), "w1");

    JsonNode run = producer.get("/api/runs/" + runId).json();
    assertThat(run.get("state").asText()).isEqualTo("running");
    assertThat(run.get("counts").get("queued").asInt()).isEqualTo(3);
    assertThat(run.get("counts").get("running").asInt()).isEqualTo(1);
    assertThat(run.get("counts").get("succeeded").asInt()).isEqualTo(1);
    assertThat(run.get("counts").get("deadLettered").asInt()).isEqualTo(1);
    assertThat(run.get("rows").asLong()).isEqualTo(1000);
    assertThat(run.get("bytes").asLong()).isEqualTo(4096);
    assertThat(run.get("etaSeconds").isNumber())
        .as("an ETA once targets finished: %s", run)
        .isTrue();

    JsonNode failed = producer.get("/api/runs/" + runId + "/targets?state=dead-lettered").json();
    assertThat(failed.get("state").asText()).isEqualTo("dead-lettered");
    assertThat(failed.get("targets")).hasSize(1);
    assertThat(failed.get("targets").get(0).get("target").asText()).isEqualTo("entities");
    assertThat(failed.get("targets").get(0).get("lastError").asText())
        .isEqualTo("unknown-target: x");
    assertThat(failed.get("targets").get(0).get("attempts").asInt()).isEqualTo(3);
    assertThat(producer.get("/api/runs/" + runId + "/targets").json().get("targets")).hasSize(3);

    for (String kind : KINDS) {
      producer.ledger.markOutcome(
          runId,
          new TargetProgress(
              new TargetRef("c0001", kind),
              TargetState.SUCCEEDED,
              1,
              null,
              "w1",
              1,
              1,
              1,
              1,
              Instant.now()));
    }
    JsonNode finished = producer.get("/api/runs/" + runId).json();
    // entities stays dead-lettered? No: a dead-lettered entry may become succeeded after a redrive.
    assertThat(finished.get("state").asText()).isEqualTo("succeeded");
    assertThat(finished.get("finishedAt").isTextual()).isTrue();
    assertThat(finished.get("etaSeconds").isNull()).isTrue();
  }

  @Test
  void aFinishedRunIsListedAgainAsRunningOnceAWorkerTakesItsRedrivenMessage() {
    String runId = startRun("{\"scope\": {\"clients\": [\"c0001\"]}}");
    TargetRef deadLettered = new TargetRef("c0001", KINDS.get(0));
    for (String kind : KINDS) {
      TargetRef target = new TargetRef("c0001", kind);
      producer.ledger.markOutcome(
          runId,
          new TargetProgress(
              target,
              target.equals(deadLettered) ? TargetState.DEAD_LETTERED : TargetState.SUCCEEDED,
              1, null, "w1", 1, 1, 1, 1, Instant.now()));
    }
    assertThat(listed(runId).get("state").asText()).isEqualTo("failed");
    assertThat(listed(runId).get("state").asText()).as("listed again").isEqualTo("failed");

    // A worker, another process, takes the dead letter's message after a redrive.
    producer.ledger.markRunning(runId, deadLettered, "w2");
    JsonNode reopened = listed(runId);
    assertThat(reopened.get("state").asText()).isEqualTo("running");
    assertThat(reopened.get("counts").get("running").asInt()).isEqualTo(1);
    assertThat(producer.get("/api/runs/" + runId).json().get("state").asText()).isEqualTo("running");

    producer.ledger.markOutcome(
        runId,
        new TargetProgress(
            deadLettered, TargetState.SUCCEEDED, 0, null, "w2", 1, 1, 1, 1, Instant.now()));
    assertThat(listed(runId).get("state").asText()).isEqualTo("succeeded");
    assertThat(producer.get("/api/runs/" + runId).json().get("state").asText())
        .isEqualTo("succeeded");
  }

  private JsonNode listed(String runId) {
    for (JsonNode run : producer.get("/api/runs?limit=200").json().get("runs")) {
      if (run.get("runId").asText().equals(runId)) {
        return run;
      }
    }
    throw new AssertionError(runId + " is not listed");
  }

  @Test
  void recentRunsAreListedNewestFirst() throws InterruptedException {
    String first = startRun("{\"scope\": {\"clients\": [\"c0001\"]}}");
    // Run ids sort by their creation second.
    org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(1100)).until(() -> true);
    String second = startRun("{\"scope\": {\"clients\": [\"c0002\"]}}");

    JsonNode runs = producer.get("/api/runs?limit=2").json().get("runs");

    assertThat(runs).hasSize(2);
    assertThat(runs.get(0).get("runId").asText()).isEqualTo(second);
    assertThat(runs.get(1).get("runId").asText()).isEqualTo(first);
    assertThat(runs.get(0).get("counts").get("queued").asInt()).isEqualTo(6);
  }

  @Test
  void legacyUpdateAllAndUpdateAreAliasesOfTheSameEnqueue() {
    Response all = producer.post("/update-all", null);
    assertThat(all.status()).as(all.body()).isEqualTo(202);
    String taskId = all.json().get("taskId").asText();
    assertThat(all.json().get("runId").asText()).isEqualTo(taskId);
    assertThat(all.json().get("mode").asText()).isEqualTo("full");
    List<TargetMessage> messages = producer.drainWorkQueue();
    assertThat(messages).hasSize(18);
    assertThat(messages).extracting(TargetMessage::runId).containsOnly(taskId);
    assertThat(producer.ledger.run(taskId).orElseThrow().requestedBy())
        .isEqualTo("legacy:update-all");

    Response incremental = producer.post("/update-all?mode=incremental", null);
    assertThat(incremental.status()).isEqualTo(202);
    assertThat(producer.drainWorkQueue())
        .extracting(TargetMessage::mode)
        .hasSize(18)
        .containsOnly(SyncMode.INCREMENTAL);
    assertBadRequest(
        producer.post("/update-all?mode=sometimes", null), "mode must be 'full' or 'incremental'");

    Response one = producer.post("/update?clientId=c0002", null);
    assertThat(one.status()).as(one.body()).isEqualTo(202);
    assertThat(one.json().get("enqueued").asInt()).isEqualTo(6);
    assertThat(producer.drainWorkQueue())
        .extracting(TargetMessage::clientId)
        .hasSize(6)
        .containsOnly("c0002");

    assertBadRequest(producer.post("/update", null), "clientId query parameter is required");
    assertBadRequest(
        producer.post("/update?clientId=", null), "clientId query parameter is required");
    assertBadRequest(producer.post("/update?clientId=nobody", null), "unknown client 'nobody'");
    assertBadRequest(producer.post("/update?clientId=bad%20id", null), "clientId must be");
    assertThat(producer.visibleMessages(producer.queues.queueUrl())).isZero();
  }

  @Test
  void aRunWhoseProducerDiedWhileEnqueueingIsFailedAfterTheDeadlineWithItsUnstartedTargetsNotSent() {
    Instant requestedAt =
        Instant.now()
            .minus(Duration.ofMinutes(16))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String abandoned =
        dev.storagebuilder.common.ids.Ids.newRunId(requestedAt, new java.util.Random());
    producer.ledger.createRun(
        new RunRecord(abandoned, "all", SyncMode.FULL, "api", requestedAt, 3, true));
    producer.ledger.markOutcome(
        abandoned,
        new TargetProgress(
            new TargetRef("c0001", KINDS.get(0)),
            TargetState.SUCCEEDED,
            1,
            null,
            "w1",
            7,
            70,
            5,
            1,
            requestedAt.plusSeconds(30)));
    String recent =
        dev.storagebuilder.common.ids.Ids.newRunId(Instant.now(), new java.util.Random());
    producer.ledger.createRun(
        new RunRecord(recent, "all", SyncMode.FULL, "api", Instant.now(), 3, true));

    JsonNode run = producer.get("/api/runs/" + abandoned).json();
    assertThat(run.get("state").asText()).isEqualTo("failed");
    assertThat(run.get("counts").get("notSent").asInt()).isEqualTo(2);
    assertThat(run.get("counts").get("queued").asInt()).isZero();
    assertThat(run.get("counts").get("succeeded").asInt()).isEqualTo(1);
    assertThat(Instant.parse(run.get("finishedAt").asText()))
        .isEqualTo(requestedAt.plus(Duration.ofMinutes(15)));
    assertThat(run.get("etaSeconds").isNull()).isTrue();
    JsonNode legacy = producer.get("/is-completed?taskId=" + abandoned).json();
    assertThat(legacy.get("completed").asBoolean()).isTrue();
    assertThat(legacy.get("state").asText()).isEqualTo("failed");

    JsonNode stillSending = producer.get("/api/runs/" + recent).json();
    assertThat(stillSending.get("state").asText()).isEqualTo("running");
    assertThat(stillSending.get("counts").get("queued").asInt()).isEqualTo(3);
    assertThat(stillSending.get("counts").get("notSent").asInt()).isZero();
  }

  @Test
  void legacyIsCompletedAnswersFromTheLedger() {
    String taskId =
        startRun(
            "{\"scope\": {\"targets\": [{\"clientId\": \"c0003\", \"target\": \"formulas\"}]}}");

    JsonNode running = producer.get("/is-completed?taskId=" + taskId).json();
    assertThat(running.get("taskId").asText()).isEqualTo(taskId);
    assertThat(running.get("completed").asBoolean()).isFalse();
    assertThat(running.get("state").asText()).isEqualTo("running");

    producer.ledger.markOutcome(
        taskId,
        new TargetProgress(
            new TargetRef("c0003", "formulas"),
            TargetState.SUCCEEDED,
            1,
            null,
            "w",
            5,
            5,
            5,
            1,
            Instant.now()));
    JsonNode done = producer.get("/is-completed?taskId=" + taskId).json();
    assertThat(done.get("completed").asBoolean()).isTrue();
    assertThat(done.get("state").asText()).isEqualTo("succeeded");

    assertBadRequest(producer.get("/is-completed"), "taskId query parameter is required");
    assertBadRequest(producer.get("/is-completed?taskId=%2F%2F"), "runId must be");
    assertThat(producer.get("/is-completed?taskId=run-20200101T000000Z-nope00").status())
        .isEqualTo(404);
  }

  @Test
  void healthIsOpenFastAndUp() {
    long started = System.nanoTime();
    Response health = producer.get("/health");
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asText()).isEqualTo("UP");
    assertThat(millis).as("health answered in %d ms", millis).isLessThan(2_000);
  }

  @Test
  void metricsAreExposedForPrometheus() {
    startRun("{\"scope\": {\"clients\": [\"c0001\"]}}");

    Response metrics = producer.get("/prometheus");

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("storage_builder_runs_started_total{mode=\"full\"}")
        .contains("storage_builder_messages_enqueued_total")
        .contains("storage_builder_enqueue_duration_seconds_count");
  }

  private String startRun(String body) {
    Response response = producer.post("/api/runs", body);
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    producer.drainWorkQueue();
    return response.json().get("runId").asText();
  }

  private static void assertBadRequest(Response response, String message) {
    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.error()).contains(message);
  }

  private static Set<TargetRef> expand(List<String> clients) {
    return clients.stream()
        .flatMap(c -> KINDS.stream().map(k -> new TargetRef(c, k)))
        .collect(Collectors.toSet());
  }
}
