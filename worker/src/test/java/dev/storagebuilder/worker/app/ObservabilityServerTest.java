package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ObservabilityServerTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final AtomicBoolean receiving = new AtomicBoolean(true);
  private final AtomicBoolean dependenciesUp = new AtomicBoolean(true);
  private final ObservabilityServer server =
      new ObservabilityServer(
          0,
          "storage-builder-worker",
          List.of(() -> new Health("receive-loop", receiving.get(), Map.of("inFlight", 1))),
          List.of(() -> new Health("dependencies", dependenciesUp.get(), Map.of("sqs", "UP: queue q", "source", "UP: db"))),
          () -> "# HELP up\nup 1.0\n");

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void livenessAsksOnlyTheReceiveLoop() throws Exception {
    server.start();
    dependenciesUp.set(false);

    HttpResponse<String> live = get("/health/liveness");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Json.mapper().readTree(live.body()).toString())
        .isEqualTo("{\"name\":\"storage-builder-worker\",\"status\":\"UP\",\"details\":{\"receive-loop\":"
            + "{\"name\":\"receive-loop\",\"status\":\"UP\",\"details\":{\"inFlight\":1}}}}");
    receiving.set(false);
    assertThat(get("/health/liveness").statusCode()).isEqualTo(503);
  }

  @Test
  void readinessFollowsTheDependenciesAndHealthIsBoth() throws Exception {
    server.start();

    HttpResponse<String> ready = get("/health/readiness");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"sqs\":\"UP: queue q\"").doesNotContain("receive-loop");
    assertThat(get("/health").body()).contains("receive-loop").contains("dependencies");

    dependenciesUp.set(false);
    HttpResponse<String> down = get("/health/readiness");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("\"status\":\"DOWN\"");
    assertThat(get("/health").statusCode()).isEqualTo(503);
  }

  @Test
  void aFailingCheckIsDownNotAnError() throws Exception {
    ObservabilityServer failing =
        new ObservabilityServer(0, "w", List.of(), List.of(() -> { throw new IllegalStateException("boom"); }), () -> "");
    failing.start();
    try {
      HttpResponse<String> ready = get(failing, "/health/readiness");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("boom");
    } finally {
      failing.close();
    }
  }

  /**
   * Two readiness requests waiting on a slow dependency took both handler threads, and the ECS
   * container check's liveness request (5 s timeout) queued behind them: a healthy worker could be
   * restarted for a slow dependency, which is what asking liveness alone was meant to prevent.
   */
  @Test
  void livenessAnswersWhileReadinessRequestsWaitOnASlowDependency() throws Exception {
    CountDownLatch dependencyAnswers = new CountDownLatch(1);
    AtomicInteger waitingOnIt = new AtomicInteger();
    ObservabilityServer slow =
        new ObservabilityServer(
            0, "w", List.of(() -> new Health("receive-loop", true, Map.of())),
            List.of(() -> {
              waitingOnIt.incrementAndGet();
              try {
                dependencyAnswers.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new Health("dependencies", true, Map.of());
            }),
            () -> "");
    slow.start();
    try {
      List<CompletableFuture<HttpResponse<String>>> readiness = new ArrayList<>();
      for (String path : List.of("/health/readiness", "/health", "/health/readiness")) {
        readiness.add(HTTP.sendAsync(request(slow, path), HttpResponse.BodyHandlers.ofString()));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> waitingOnIt.get() >= 2);

      HttpResponse<String> live =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + slow.port() + "/health/liveness"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);

      dependencyAnswers.countDown();
      for (CompletableFuture<HttpResponse<String>> answer : readiness) {
        assertThat(answer.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
    } finally {
      dependencyAnswers.countDown();
      slow.close();
    }
  }

  @Test
  void prometheusServesTheScrapeAndUnknownPathsAre404() throws Exception {
    server.start();

    HttpResponse<String> metrics = get("/prometheus");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValue(ObservabilityServer.PROMETHEUS_CONTENT_TYPE);
    assertThat(metrics.body()).isEqualTo("# HELP up\nup 1.0\n");
    assertThat(get("/health/livenessx").statusCode()).isEqualTo(404);
    assertThat(get("/").statusCode()).isEqualTo(404);
  }

  @Test
  void closeFreesThePort() throws Exception {
    server.start();
    int port = server.port();
    server.close();

    ObservabilityServer again = new ObservabilityServer(port, "w", List.of(), List.of(), () -> "");
    again.start();
    again.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return get(server, path);
  }

  private static HttpResponse<String> get(ObservabilityServer server, String path) throws Exception {
    return HTTP.send(request(server, path), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(ObservabilityServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10))
        .build();
  }
}
