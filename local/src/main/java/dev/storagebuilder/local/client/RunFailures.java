package dev.storagebuilder.local.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A run's targets that did not succeed, one line each with their last error: what to read first. */
public final class RunFailures {
  private static final List<String> STATES = List.of("dead-lettered", "failed");

  private RunFailures() {}

  /** Nothing when the run's counts show no failure, without asking the producer for more. */
  public static List<String> lines(ProducerClient client, String runId, JsonNode run) {
    JsonNode counts = run.path("counts");
    if (counts.path("deadLettered").asInt() + counts.path("failed").asInt() == 0) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    for (String state : STATES) {
      for (JsonNode target : client.get("/api/runs/" + runId + "/targets?state=" + state).path("targets")) {
        lines.add(
            String.format(
                "  %-13s %s/%s attempts %d: %s",
                state,
                target.path("clientId").asText(),
                target.path("target").asText(),
                target.path("attempts").asInt(),
                target.path("lastError").asText("")));
      }
    }
    return lines;
  }
}
