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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "targets",
    mixinStandardHelpOptions = true,
    description = "A target's committed versions.",
    subcommands = {TargetsCommand.Show.class})
final class TargetsCommand {
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Current version, delta chain, manifest and the last commits of a target.")
  static final class Show implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CLIENT")
    String client;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Option(names = "--json", description = "print the producer's answer as JSON")
    boolean json;

    @Override
    public Integer call() {
      JsonNode details =
          api.client()
              .get(
                  "/api/targets/"
                      + URLEncoder.encode(client, StandardCharsets.UTF_8)
                      + "/"
                      + URLEncoder.encode(target, StandardCharsets.UTF_8));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ApiOptions.printJson(out, details);
        return 0;
      }
      out.printf(
          "%s/%s  version %d  chain %d  manifest %s%n",
          details.path("clientId").asText(),
          details.path("target").asText(),
          details.path("sequence").asLong(),
          details.path("chainLength").asInt(),
          details.path("manifestKey").asText());
      out.printf("%-8s %-22s %12s %-6s %s%n", "VERSION", "COMMITTED", "ROWS", "CHAIN", "RUN");
      for (JsonNode v : details.path("history")) {
        out.printf(
            "%-8d %-22s %,12d %-6d %s%n",
            v.path("sequence").asLong(),
            v.path("committedAt").asText(),
            v.path("rowCount").asLong(),
            v.path("chainLength").asInt(),
            v.path("runId").asText());
      }
      out.flush();
      return 0;
    }
  }
}
