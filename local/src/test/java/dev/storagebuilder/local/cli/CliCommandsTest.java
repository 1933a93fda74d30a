package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storagebuilder.local.fleet.LocalFleet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The operator commands in-process against a stub producer that answers like the real one: what
 * they send (paths, bodies, the bearer token), what they print, and their exit codes.
 */
class CliCommandsTest {
  private static final String TOKEN = "cli-test-token-0123456789";
  private static final String RUN_ID = "run-20260101T000000Z-abcdef";
  private static final String OTHER_RUN_ID = "run-20260101T000000Z-ghijkl";

  private HttpServer server;
  private String url;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger polls = new AtomicInteger();

  @BeforeEach
  void startStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopStub() {
    server.stop(0);
  }

  private void answer(HttpExchange exchange) throws IOException {
    String target = exchange.getRequestURI().toString();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(exchange.getRequestMethod() + " " + target + (body.isEmpty() ? "" : " " + body));
    int status;
    String json;
    if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      status = 401;
      json = "{\"error\": \"missing API token: send Authorization: Bearer <token>\"}";
    } else if (target.equals("/api/runs/" + RUN_ID)) {
      status = 200;
      json = polls.incrementAndGet() < 3 ? run("running", 3) : run("succeeded", 6);
    } else if (answers.containsKey(target)) {
      status = 200;
      json = answers.get(target);
    } else {
      status = 404;
      json = "{\"error\": \"no run 'run-x' in the run ledger\"}";
    }
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static String run(String state, int succeeded) {
    return """
        {"runId": "%s", "state": "%s", "mode": "full", "scope": "all", "requestedBy": "api",
         "requestedAt": "2026-01-01T00:00:00Z", "finishedAt": null, "total": 6,
         "counts": {"queued": 0, "running": %d, "failed": 0, "succeeded": %d, "deadLettered": 0},
         "rows": %d, "bytes": 2000000, "etaSeconds": 12}
        """
        .formatted(RUN_ID, state, 6 - succeeded, succeeded, succeeded * 1000);
  }

  private record Result(int exit, String out, String err) {}

  private Result sb(String... args) {
    return sbWithToken(TOKEN, args);
  }

  private Result sbWithToken(String token, String... args) {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + (token == null ? 2 : 4)];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--url";
    all[args.length + 1] = url;
    if (token != null) {
      all[args.length + 2] = "--token";
      all[args.length + 3] = token;
    }
    int exit = cli.execute(all);
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void updateAllStartsARunAndWaitFollowsItToTheEnd() {
    answers.put("/api/runs", "{\"runId\": \"" + RUN_ID + "\", \"enqueued\": 6, \"mode\": \"full\"}");

    Result result = sb("update-all", "--mode", "full", "--wait");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(requests.get(0)).isEqualTo("POST /api/runs {\"scope\":\"all\",\"mode\":\"full\"}");
    assertThat(result.out()).contains("run " + RUN_ID + ": 6 targets enqueued (full)");
    assertThat(result.out()).contains("3/6 targets").contains("6/6 targets").contains("ETA 12s");
    assertThat(result.out()).contains("run " + RUN_ID + " succeeded");
  }

  @Test
  void aRunWithFailuresListsEachFailedTargetWithItsLastErrorWhetherShownOrWatched() {
    String failedRun = """
        {"runId": "%s", "state": "failed", "mode": "full", "scope": "all", "requestedBy": "api",
         "requestedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:01:00Z", "total": 6,
         "counts": {"queued": 0, "running": 0, "failed": 1, "succeeded": 4, "deadLettered": 1},
         "rows": 4000, "bytes": 2000000}
        """.formatted(OTHER_RUN_ID);
    answers.put("/api/runs/" + OTHER_RUN_ID, failedRun);
    answers.put("/api/runs/" + OTHER_RUN_ID + "/targets?state=dead-lettered",
        "{\"targets\": [{\"clientId\": \"acme\", \"target\": \"formulas\", \"attempts\": 1,"
            + " \"lastError\": \"schema-mismatch: table FORMULAS not found\"}]}");
    answers.put("/api/runs/" + OTHER_RUN_ID + "/targets?state=failed",
        "{\"targets\": [{\"clientId\": \"zeta\", \"target\": \"entities\", \"attempts\": 3,"
            + " \"lastError\": \"source-unavailable: connection refused\"}]}");

    Result shown = sb("run", OTHER_RUN_ID);
    Result watched = sb("run", OTHER_RUN_ID, "--watch");

    for (Result result : List.of(shown, watched)) {
      assertThat(result.exit()).isEqualTo(1);
      assertThat(result.out())
          .contains("dead-lettered acme/formulas attempts 1: schema-mismatch: table FORMULAS not found")
          .contains("failed        zeta/entities attempts 3: source-unavailable: connection refused");
    }
  }

  @Test
  void updateOfOneTargetSendsATargetScope() {
    answers.put("/api/runs", "{\"runId\": \"" + RUN_ID + "\", \"enqueued\": 1}");

    Result result = sb("update", "--client", "acme", "--target", "entities", "--json");

    assertThat(result.exit()).isZero();
    assertThat(requests.get(0))
        .isEqualTo(
            "POST /api/runs {\"scope\":{\"targets\":[{\"clientId\":\"acme\",\"target\":\"entities\"}]},\"mode\":\"full\"}");
    assertThat(result.out()).contains("\"enqueued\" : 1");
  }

  @Test
  void runsListsAPageAndSaysHowToGetTheNext() {
    answers.put(
        "/api/runs?limit=1",
        "{\"runs\": [" + run("running", 3) + "], \"nextCursor\": \"" + RUN_ID + "\"}");

    Result table = sb("runs", "--limit", "1");
    Result json = sb("runs", "--limit", "1", "--json");

    assertThat(table.exit()).isZero();
    assertThat(table.out()).contains(RUN_ID).contains("running").contains("3/6");
    assertThat(table.out()).contains("more: ./sb runs --cursor " + RUN_ID);
    assertThat(json.out()).contains("\"nextCursor\" : \"" + RUN_ID + "\"");
  }

  @Test
  void aRunWhoseEnqueueWasAbandonedShowsItsTargetsNotSentInTheListAndTheRun() {
    String abandoned =
        """
        {"runId": "%s", "state": "failed", "mode": "full", "scope": "all", "requestedBy": "api",
         "requestedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:15:00Z", "total": 6,
         "counts": {"queued": 0, "running": 1, "failed": 0, "succeeded": 1, "deadLettered": 0,
                    "notSent": 4},
         "rows": 10, "bytes": 2000, "etaSeconds": null}
        """
            .formatted(OTHER_RUN_ID);
    answers.put("/api/runs/" + OTHER_RUN_ID, abandoned);
    answers.put("/api/runs?limit=1", "{\"runs\": [" + abandoned + "], \"nextCursor\": null}");

    Result run = sb("run", OTHER_RUN_ID);
    Result list = sb("runs", "--limit", "1");

    assertThat(run.exit()).as(run.err()).isEqualTo(1);
    assertThat(run.out()).contains("failed").contains("not sent 4");
    assertThat(list.out().lines().filter(l -> l.startsWith(OTHER_RUN_ID)))
        .singleElement()
        .satisfies(l -> assertThat(l.split(" +")).containsSequence("failed", "1/6", "4"));
  }

  @Test
  void runWatchShowsProgressUntilTheRunFinishes() {
    Result result = sb("run", RUN_ID, "--watch", "--poll", "PT0.05S");

    assertThat(result.exit()).isZero();
    assertThat(result.out().lines().filter(l -> l.contains("targets")).count()).isEqualTo(2);
    assertThat(result.out()).contains("6,000 rows").contains("run " + RUN_ID + " succeeded");
  }

  @Test
  void dlqRedriveDryRunSendsTheFilterAndMovesNothing() {
    answers.put("/api/dlq/redrive", "{\"dryRun\": true, \"matched\": 2}");

    Result result =
        sb("dlq", "redrive", "--client", "acme", "--reason", "unknown-target", "--older-than", "2h",
            "--dry-run");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(requests.get(0))
        .isEqualTo(
            "POST /api/dlq/redrive {\"dryRun\":true,\"run\":\"original\",\"filter\":{\"clientId\":\"acme\",\"reason\":\"unknown-target\",\"olderThanSeconds\":7200}}");
    assertThat(result.out()).contains("dry run (nothing moved)").contains("\"matched\":2");
  }

  @Test
  void aRedriveWhoseSendsFailedExitsNonZeroAndSaysSo() {
    answers.put(
        "/api/dlq/redrive",
        "{\"mode\": \"filtered\", \"dryRun\": false, \"run\": \"original\", \"matched\": 3, \"moved\": 1,"
            + " \"failed\": 2, \"skipped\": 0, \"complete\": true}");

    Result result = sb("dlq", "redrive", "--reason", "source-unavailable");

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.err()).contains("2 matched message(s) could not be sent and stayed in the DLQ");
    assertThat(result.out()).contains("\"moved\":1");
  }

  @Test
  void aRedriveThatMovedEveryMatchedMessageExitsZero() {
    answers.put(
        "/api/dlq/redrive",
        "{\"mode\": \"filtered\", \"dryRun\": false, \"run\": \"original\", \"matched\": 3, \"moved\": 3,"
            + " \"failed\": 0, \"skipped\": 0, \"complete\": true}");

    Result result = sb("dlq", "redrive", "--reason", "source-unavailable");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.err()).isEmpty();
  }

  @Test
  void dlqStatsAndListAndTargetsShowPrintWhatTheProducerSays() {
    answers.put("/api/dlq/stats", "{\"total\": 3, \"byReason\": {\"unknown-target\": 3}}");
    answers.put(
        "/api/dlq?limit=10",
        "{\"messages\": [{\"reason\": \"unknown-target\", \"clientId\": \"acme\", \"target\":"
            + " \"nope\", \"runId\": \"" + RUN_ID + "\", \"receiveCount\": 1, \"detail\": \"no such target\"}]}");
    answers.put(
        "/api/targets/acme/entities",
        "{\"clientId\": \"acme\", \"target\": \"entities\", \"sequence\": 2, \"chainLength\": 1,"
            + " \"manifestKey\": \"m/2.json\", \"history\": [{\"sequence\": 2, \"committedAt\":"
            + " \"2026-01-02T00:00:00Z\", \"rowCount\": 1500, \"chainLength\": 1, \"runId\": \"r2\"},"
            + " {\"sequence\": 1, \"committedAt\": \"2026-01-01T00:00:00Z\", \"rowCount\": 1000,"
            + " \"chainLength\": 0, \"runId\": \"r1\"}]}");

    assertThat(sb("dlq", "stats").out()).contains("unknown-target").contains("3");
    assertThat(sb("dlq", "list").out()).contains("acme/nope").contains("no such target");
    Result target = sb("targets", "show", "acme", "entities");
    assertThat(target.out()).contains("acme/entities  version 2  chain 1  manifest m/2.json");
    assertThat(target.out()).contains("1,500").contains("r1");
    assertThat(sb("targets", "show", "acme", "entities", "--json").out())
        .contains("\"manifestKey\" : \"m/2.json\"");
  }

  @Test
  void aMissingTokenPrintsOneLineWithTheHintAndExitsNonZero() {
    Result result = sbWithToken(null, "runs");

    assertThat(result.exit()).isNotZero();
    assertThat(result.err().strip().lines()).hasSize(1);
    assertThat(result.err()).contains("401").contains("set STORAGE_BUILDER_TOKEN");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void anUnknownRunPrintsOneLineAndExitsNonZero() {
    Result result = sb("run", "run-x");

    assertThat(result.exit()).isNotZero();
    assertThat(result.err().strip().lines()).hasSize(1);
    assertThat(result.err()).contains("404").contains("no run 'run-x'");
  }

  @Test
  void anUnreachableProducerPrintsOneLineAndExitsNonZero() {
    url = "http://127.0.0.1:" + LocalFleet.freePort();

    Result result = sb("runs");

    assertThat(result.exit()).isNotZero();
    assertThat(result.err().strip().lines()).hasSize(1);
    assertThat(result.err()).contains("cannot reach the producer at " + url);
  }

  @Test
  void aServerThatAnswersWithoutJsonIsNotTakenForTheProducer() {
    // e.g. --url (or the default 8080) reaching some other web server: a run must not be reported
    answers.put("/api/runs", "<html><body>Welcome to nginx!</body></html>");

    Result result = sb("update-all");

    assertThat(result.exit()).isNotZero();
    assertThat(result.err().strip().lines()).hasSize(1);
    assertThat(result.err()).contains("POST /api/runs").contains("200").contains("not JSON")
        .contains("is " + url + " the producer?");
    assertThat(result.out()).doesNotContain("targets enqueued");
  }
}
