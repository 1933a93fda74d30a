package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = "Lists recent runs, newest first.")
final class RunsCommand implements Callable<Integer> {
  @Mixin ApiOptions api;
  @Spec CommandSpec spec;

  @Option(names = "--limit", description = "runs per page (1..200). Default: ${DEFAULT-VALUE}")
  int limit = 20;

  @Option(names = "--cursor", description = "the next page's cursor (printed under a full page)")
  String cursor;

  @Option(names = "--json", description = "print the producer's answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    String path = "/api/runs?limit=" + limit;
    if (cursor != null) {
      path += "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }
    JsonNode page = api.client().get(path);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ApiOptions.printJson(out, page);
      return 0;
    }
    out.printf("%-34s %-10s %-11s %-8s %12s  %s%n", "RUN", "STATE", "DONE/TOTAL", "FAILED", "ROWS",
        "REQUESTED");
    for (JsonNode run : page.path("runs")) {
      JsonNode counts = run.path("counts");
      int done = counts.path("succeeded").asInt() + counts.path("deadLettered").asInt();
      out.printf(
          "%-34s %-10s %-11s %-8d %,12d  %s%n",
          run.path("runId").asText(),
          run.path("state").asText(),
          done + "/" + run.path("total").asInt(),
          // a target the producer never sent failed as surely as a dead-lettered one
          counts.path("deadLettered").asInt() + counts.path("notSent").asInt(),
          run.path("rows").asLong(),
          run.path("requestedAt").asText());
    }
    if (page.hasNonNull("nextCursor")) {
      out.println("more: ./sb runs --cursor " + page.get("nextCursor").asText());
    }
    out.flush();
    return 0;
  }
}
