package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "update-all",
    mixinStandardHelpOptions = true,
    description = "Starts a run over every client and target; --wait follows it to the end.")
final class UpdateAllCommand implements Callable<Integer> {
  @Mixin ApiOptions api;
  @Spec CommandSpec spec;

  @Option(names = "--mode", description = "full or incremental. Default: ${DEFAULT-VALUE}")
  String mode = "full";

  @Option(names = "--wait", description = "follow the run with a progress line until it finishes")
  boolean wait;

  @Option(names = "--json", description = "print the producer's answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    return StartRun.start(spec, api, TextNode.valueOf("all"), mode, wait, json);
  }

  /** Shared by update-all and update. */
  static final class StartRun {
    private StartRun() {}

    static int start(
        CommandSpec spec, ApiOptions api, JsonNode scope, String mode, boolean wait, boolean json) {
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
          new RunWatcher(client, out, System.console() != null, Duration.ofSeconds(1))
              .watch(runId);
      if (json) {
        ApiOptions.printJson(out, finished);
      }
      return "succeeded".equals(finished.path("state").asText()) ? 0 : 1;
    }
  }
}
