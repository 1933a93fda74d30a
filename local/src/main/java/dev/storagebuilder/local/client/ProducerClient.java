package dev.storagebuilder.local.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The producer's HTTP API as the CLI uses it: JSON in, JSON out, one clear error per failure. */
public final class ProducerClient {
  private final URI baseUrl;
  private final String token;
  private final HttpClient http;

  public ProducerClient(URI baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public URI baseUrl() {
    return baseUrl;
  }

  /** Starts a run; returns the producer's answer ({@code runId}, {@code enqueued}). */
  public JsonNode startRun(JsonNode scope, String mode) {
    ObjectNode body = Json.mapper().createObjectNode();
    body.set("scope", scope);
    body.put("mode", mode);
    return send("POST", "/api/runs", body.toString());
  }

  public JsonNode run(String runId) {
    return send("GET", "/api/runs/" + runId, null);
  }

  public JsonNode get(String path) {
    return send("GET", path, null);
  }

  public JsonNode post(String path, JsonNode body) {
    return send("POST", path, body == null ? null : body.toString());
  }

  public boolean healthy() {
    try {
      HttpResponse<Void> response =
          http.send(HttpRequest.newBuilder(baseUrl.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private JsonNode send(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(baseUrl.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .header("Accept", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new ProducerException("cannot reach the producer at " + baseUrl + " (is it running? --url sets it)", 0);
    } catch (IOException e) {
      throw new ProducerException("request to " + baseUrl.resolve(path) + " failed: " + e.getMessage(), 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProducerException("interrupted", 0);
    }
    int status = response.statusCode();
    JsonNode json = parse(response.body());
    if (status >= 400) {
      String message = json != null && json.hasNonNull("error") ? json.get("error").asText()
          : json != null && json.hasNonNull("message") ? json.get("message").asText() : response.body();
      String hint = status == 401 ? " (set STORAGE_BUILDER_TOKEN to a valid API token)" : "";
      throw new ProducerException(method + " " + path + " → " + status + ": " + message + hint, status);
    }
    if (json == null && response.body() != null && !response.body().isBlank()) {
      // Every answer of the producer's API is JSON: this is another server (the default port 8080
      // is a popular one), and reading its page as an empty answer reported runs that never were.
      throw new ProducerException(
          method + " " + path + " → " + status + ", but the answer is not JSON: is " + baseUrl + " the producer?",
          status);
    }
    return json == null ? Json.mapper().createObjectNode() : json;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return Json.mapper().readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  /** A failed call, with the HTTP status (0 when the producer could not be reached). */
  public static final class ProducerException extends RuntimeException {
    private final int status;

    public ProducerException(String message, int status) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
