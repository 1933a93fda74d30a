package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Paged run listings, target version history and exact counts under duplicate deliveries. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerApiIT {
  private ProducerFixture producer;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("ledger-api", 2).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  @Test
  void runsArePagedNewestFirstWithACursorUntilTheLastPage() {
    // Far in the future so these are the newest runs whatever else this class starts.
    Instant base = Instant.parse("2990-01-01T00:00:00Z");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Instant at = base.plusSeconds(i);
      String id = "run-2990" + String.format("%02d", i) + "-page";
      producer.ledger.createRun(new RunRecord(id, "all", SyncMode.FULL, "test", at, 1));
      ids.add(id);
    }
    Collections.reverse(ids);

    JsonNode first = producer.get("/api/runs?limit=2").json();
    JsonNode second =
        producer.get("/api/runs?limit=2&cursor=" + first.get("nextCursor").asText()).json();
    JsonNode third =
        producer.get("/api/runs?limit=2&cursor=" + second.get("nextCursor").asText()).json();

    assertThat(runIds(first)).containsExactly(ids.get(0), ids.get(1));
    assertThat(runIds(second)).containsExactly(ids.get(2), ids.get(3));
    assertThat(runIds(third)).startsWith(ids.get(4));
    assertThat(first.get("nextCursor").asText()).isEqualTo(ids.get(1));
  }

  @Test
  void badPagingInputIs400WithAMessage() {
    assertError(producer.get("/api/runs?limit=0"), 400, "limit must be an integer 1..200");
    assertError(producer.get("/api/runs?limit=201"), 400, "limit must be an integer 1..200");
    assertError(producer.get("/api/runs?limit=ten"), 400, "limit");
    assertError(producer.get("/api/runs?cursor=%24bad"), 400, "cursor");
  }

  @Test
  void aTargetShowsItsCurrentVersionChainAndLastCommitsNewestFirst() {
    TargetRef ref = new TargetRef("c0001", "entities");
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    for (int sequence = 1; sequence <= 3; sequence++) {
      TargetVersion version =
          new TargetVersion(
              ref,
              sequence,
              100L * sequence,
              "snapshots/c0001/entities/v" + sequence + "/manifest.json",
              10L * sequence,
              "sum-" + sequence,
              sequence - 1,
              "run-" + sequence,
              at.plusSeconds(sequence));
      assertThat(producer.versions.commit(version, sequence - 1)).isTrue();
    }

    JsonNode target = producer.get("/api/targets/c0001/entities").json();

    assertThat(target.get("sequence").asLong()).isEqualTo(3);
    assertThat(target.get("chainLength").asInt()).isEqualTo(2);
    assertThat(target.get("manifestKey").asText())
        .isEqualTo("snapshots/c0001/entities/v3/manifest.json");
    assertThat(target.get("current").get("rowCount").asLong()).isEqualTo(30);
    assertThat(target.get("history")).hasSize(3);
    assertThat(target.get("history").get(0).get("sequence").asLong()).isEqualTo(3);
    assertThat(target.get("history").get(2).get("runId").asText()).isEqualTo("run-1");
    assertThat(target.get("history").get(2).get("committedAt").asText())
        .isEqualTo("2026-01-01T00:00:01Z");
  }

  @Test
  void anUnknownTargetIs404AndAMalformedOneIs400() {
    assertError(producer.get("/api/targets/c0002/formulas"), 404, "no version of c0002/formulas");
    assertError(producer.get("/api/targets/c0002/bad%20name"), 400, "target");
  }

  /**
   * Several "workers" deliver every target of a run several times at once, with retries and late
   * duplicates; the API's counts, rows and bytes still count each target exactly once.
   */
  @Test
  void countsStayExactWhenEveryTargetIsDeliveredManyTimesConcurrently() throws Exception {
    long seed = System.nanoTime();
    Response started =
        producer.post("/api/runs", "{\"scope\": {\"clients\": [\"c0001\", \"c0002\"]}}");
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String runId = started.json().get("runId").asText();
    producer.drainWorkQueue();
    List<TargetRef> targets = expand(List.of("c0001", "c0002"));
    int workers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      String workerId = "worker-" + w;
      Random random = new Random(seed + w);
      done.add(
          pool.submit(
              () -> {
                go.await();
                List<TargetRef> order = new ArrayList<>(targets);
                Collections.shuffle(order, random);
                for (TargetRef target : order) {
                  producer.ledger.markRunning(runId, target, workerId);
                  if (random.nextBoolean()) {
                    producer.ledger.markOutcome(
                        runId, progress(target, TargetState.FAILED, workerId, "timeout"));
                  }
                  producer.ledger.markOutcome(
                      runId, progress(target, TargetState.SUCCEEDED, workerId, null));
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> future : done) {
      future.get();
    }
    pool.shutdown();

    JsonNode run = producer.get("/api/runs/" + runId).json();

    assertThat(run.get("total").asInt()).as("seed %d", seed).isEqualTo(12);
    assertThat(run.get("counts").get("succeeded").asInt()).as("seed %d", seed).isEqualTo(12);
    assertThat(run.get("counts").get("failed").asInt()).isZero();
    assertThat(run.get("counts").get("running").asInt()).isZero();
    assertThat(run.get("counts").get("queued").asInt()).isZero();
    assertThat(run.get("rows").asLong()).as("seed %d", seed).isEqualTo(12 * 1000);
    assertThat(run.get("bytes").asLong()).isEqualTo(12 * 5000);
    assertThat(run.get("state").asText()).isEqualTo("succeeded");
    JsonNode listed = producer.get("/api/runs/" + runId + "/targets?state=succeeded").json();
    assertThat(listed.get("targets")).hasSize(12);
    assertThat(listed.get("targets").get(0).get("attempts").asInt()).isBetween(1, workers);
  }

  private static TargetProgress progress(
      TargetRef target, TargetState state, String workerId, String error) {
    boolean ok = state == TargetState.SUCCEEDED;
    return new TargetProgress(
        target,
        state,
        0,
        error,
        workerId,
        ok ? 1000 : 0,
        ok ? 5000 : 0,
        ok ? 20 : 5,
        ok ? 1 : 0,
        Instant.now());
  }

  private static List<TargetRef> expand(List<String> clients) {
    List<String> kinds =
        dev.storagebuilder.common.target.SourceConfigLoader.demo("jdbc:h2:mem:x", null, null)
            .targetNames();
    List<TargetRef> refs = new ArrayList<>();
    for (String client : clients) {
      for (String kind : kinds) {
        refs.add(new TargetRef(client, kind));
      }
    }
    return refs;
  }

  private static List<String> runIds(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("runs").forEach(r -> ids.add(r.get("runId").asText()));
    return ids;
  }

  private static void assertError(Response response, int status, String fragment) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.error()).contains(fragment);
  }
}
