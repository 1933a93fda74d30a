package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;

/** What update-all and update share: the mode, following the run, JSON output, and the start itself. */
final class RunStartOptions {
  @Option(names = "--mode", description = "full or incremental. Default: ${DEFAULT-VALUE}")
  String mode = "full";

  @Option(names = "--wait", description = "follow the run with a progress line until it finishes")
  boolean wait;

  @Option(names = "--json", description = "print the producer's answer as JSON")
  boolean json;

  /** Starts a run over {@code scope}; with --wait, exits 0 only when it succeeded. */
  int start(CommandSpec spec, ApiOptions api, JsonNode scope) {
    var client = api.client();
    JsonNode started = client.startRun(scope, mode);
    var out = spec.commandLine().getOut();
    String runId = started.path("runId").asText();
    if (json && !wait) {
      ApiOptions.printJson(out, started);
      return 0;
    }
    out.printf(
        "run %s: %d targets enqueued (%s)%n",
        runId, started.path("enqueued").asInt(), started.path("mode").asText(mode));
    out.flush();
    if (!wait) {
      out.println("follow it: ./sb run " + runId + " --watch");
      out.flush();
      return 0;
    }
    JsonNode finished =
        new RunWatcher(client, out, System.console() != null, Duration.ofSeconds(1)).watch(runId);
    if (json) {
      ApiOptions.printJson(out, finished);
    }
    return "succeeded".equals(finished.path("state").asText()) ? 0 : 1;
  }
}
