package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.producer.testing.ProducerFixture;
import dev.storagebuilder.producer.testing.ProducerFixture.Response;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * The served OpenAPI document describes exactly the routes the producer answers: every method and
 * path Micronaut's router knows from our controllers is in the document, and nothing else is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiRoutesIT {
  static final String DOCUMENT = "/openapi/storage-builder-api.yml";
  static final Set<String> MANAGEMENT = Set.of("/health", "/prometheus");

  private ProducerFixture producer;

  @BeforeAll
  void start() {
    producer = new ProducerFixture("openapi", 1).start();
  }

  @AfterAll
  void stop() {
    producer.close();
  }

  @Test
  void theDocumentIsServedWithoutATokenAndListsExactlyTheControllersRoutes() {
    Response response = producer.get(DOCUMENT, null);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    Map<String, Object> document = new Yaml().load(response.body());

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
    Set<String> documented = new TreeSet<>();
    paths.forEach(
        (path, operations) ->
            operations.keySet().stream()
                .filter(m -> Set.of("get", "post", "put", "delete", "patch").contains(m))
                .forEach(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + path)));

    Set<String> routed =
        producer.context().getBean(Router.class).uriRoutes()
            // Micronaut answers HEAD for every GET by itself; OpenAPI lists the GET.
            .filter(route -> route.getHttpMethod() != io.micronaut.http.HttpMethod.HEAD)
            .map(OpenApiRoutesIT::describe)
            // management endpoints (open probes, not part of the admin API)
            .filter(route -> !MANAGEMENT.contains(route.substring(route.indexOf(' ') + 1)
                .replaceAll("/\\{.*$", "")))
            .collect(Collectors.toCollection(TreeSet::new));

    assertThat(routed).contains("GET /api/runs", "POST /api/dlq/redrive", "GET /is-completed");
    assertThat(documented).isEqualTo(routed);
    assertThat(document.get("components").toString()).contains("bearer");
  }

  /** {@code GET /api/runs/{runId}/targets{?state}} → {@code GET /api/runs/{runId}/targets}. */
  private static String describe(UriRouteInfo<?, ?> route) {
    String template = route.getUriMatchTemplate().toString().replaceAll("\\{\\?[^}]*}", "");
    if (template.length() > 1 && template.endsWith("/")) {
      template = template.substring(0, template.length() - 1);
    }
    return route.getHttpMethod().name() + " " + template;
  }
}
