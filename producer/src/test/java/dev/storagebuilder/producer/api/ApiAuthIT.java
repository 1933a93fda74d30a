package dev.storagebuilder.producer.api;

import static dev.storagebuilder.producer.testing.ProducerFixture.ADMIN_TOKEN;
import static dev.storagebuilder.producer.testing.ProducerFixture.READ_ONLY_TOKEN;
import static dev.storagebuilder.producer.testing.ProducerFixture.ROTATED_ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bearer tokens on the admin API and the legacy aliases, over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiAuthIT {
  private static final String RUN = "{\"scope\": \"all\", \"mode\": \"full\"}";

  private ProducerFixture producer;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("api-auth", 1).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  @Test
  void everyApiRouteAndLegacyAliasAnswers401WithoutAToken() {
    for (String path :
        new String[] {"/api/runs", "/api/dlq", "/api/dlq/stats", "/is-completed?taskId=x"}) {
      Response response = producer.get(path, null);
      assertThat(response.status()).as(path).isEqualTo(401);
      assertThat(response.error()).contains("missing API token");
    }
    assertThat(producer.post("/api/runs", RUN, null).status()).isEqualTo(401);
    assertThat(producer.post("/update-all", null, null).status()).isEqualTo(401);
    assertThat(producer.post("/update?clientId=c0001", null, null).status()).isEqualTo(401);
    assertThat(producer.drainWorkQueue()).as("nothing was enqueued").isEmpty();
  }

  @Test
  void everySpellingOfAProtectedRouteNeedsAToken() {
    for (String path :
        new String[] {
          "/api", "/api/", "/api/runs/", "//api/runs", "/api//runs", "/api/dlq/",
          "/is-completed/?taskId=x", "//is-completed?taskId=x", "/no-such-route",
          "/health/../api/runs", "/dashboard/../api/runs", "/dashboard/%2e%2e/api/runs"
        }) {
      Response response = producer.get(path, null);
      assertThat(response.status()).as("GET %s: %s", path, response.body()).isEqualTo(401);
    }
    for (String path :
        new String[] {
          "/update-all/", "//update-all", "/update/?clientId=c0001", "//update?clientId=c0001",
          "/api/runs/", "/api//runs", "/prometheus/../update-all"
        }) {
      Response response = producer.post(path, RUN, null);
      assertThat(response.status()).as("POST %s: %s", path, response.body()).isEqualTo(401);
    }
    assertThat(producer.drainWorkQueue()).as("nothing was enqueued").isEmpty();
  }

  @Test
  void aWrongTokenIsRefusedWith401() {
    Response response = producer.get("/api/runs", "not-a-valid-token-at-all");
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.error()).isEqualTo("invalid API token");
    assertThat(producer.get("/api/runs", ADMIN_TOKEN + "x").status()).isEqualTo(401);
  }

  @Test
  void aReadOnlyTokenReadsButCannotEnqueueOrRedrive() {
    assertThat(producer.get("/api/runs", READ_ONLY_TOKEN).status()).isEqualTo(200);
    assertThat(producer.get("/api/dlq/stats", READ_ONLY_TOKEN).status()).isEqualTo(200);

    Response enqueue = producer.post("/api/runs", RUN, READ_ONLY_TOKEN);
    assertThat(enqueue.status()).isEqualTo(403);
    assertThat(enqueue.error()).contains("read-only");
    assertThat(producer.post("/update-all", null, READ_ONLY_TOKEN).status()).isEqualTo(403);
    assertThat(producer.post("/api/dlq/redrive", "{\"dryRun\": true}", READ_ONLY_TOKEN).status())
        .isEqualTo(403);
    assertThat(producer.drainWorkQueue()).as("nothing was enqueued").isEmpty();
  }

  @Test
  void bothRotatedTokensMayEnqueue() {
    assertThat(producer.post("/api/runs", RUN, ADMIN_TOKEN).status()).isEqualTo(202);
    assertThat(producer.post("/api/runs", RUN, ROTATED_ADMIN_TOKEN).status()).isEqualTo(202);
    assertThat(producer.drainWorkQueue()).hasSize(12);
  }

  @Test
  void healthPrometheusTheOpenApiDocumentAndTheDashboardStayOpen() {
    assertThat(producer.get("/health", null).status()).isEqualTo(200);
    assertThat(producer.get("/prometheus", null).status()).isEqualTo(200);
    assertThat(producer.get(OpenApiRoutesIT.DOCUMENT, null).status()).isEqualTo(200);
    Response dashboard = producer.get("/dashboard/index.html", null);
    assertThat(dashboard.status()).isEqualTo(200);
    assertThat(dashboard.body()).contains("dashboard.js");
    assertThat(producer.get("/dashboard/dashboard.js", null).status()).isEqualTo(200);
  }

  @Test
  void badInputWithAValidTokenIs400WithAMessage() {
    Response limit = producer.get("/api/runs?limit=0", READ_ONLY_TOKEN);
    assertThat(limit.status()).isEqualTo(400);
    assertThat(limit.error()).contains("limit");
    Response runId = producer.get("/api/runs/..%2Fetc", READ_ONLY_TOKEN);
    assertThat(runId.status()).isEqualTo(400);
    Response state = producer.get("/api/runs/r1/targets?state=bogus", READ_ONLY_TOKEN);
    assertThat(state.status()).isIn(400, 404);
  }
}
