package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.client.RunFailures;
import dev.storagebuilder.local.demo.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Shows one run: state, progress, and its failed targets with their errors.",
      "--watch follows it with a live progress line until it finishes (exit 1 if it failed)."
    })
final class RunCommand implements Callable<Integer> {
  @Mixin ApiOptions api;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN_ID", description = "the run id")
  String runId;

  @Option(names = "--watch", description = "follow the run until it finishes")
  boolean watch;

  @Option(names = "--json", description = "print the producer's answer as JSON")
  boolean json;

  @Option(names = "--poll", hidden = true, description = "poll interval while watching")
  Duration poll = Duration.ofSeconds(1);

  @Override
  public Integer call() {
    try {
      Ids.requireRunId(runId); // it goes into the URL's path as it is
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "RUN_ID: " + e.getMessage());
    }
    ProducerClient client = api.client();
    PrintWriter out = spec.commandLine().getOut();
    JsonNode run;
    if (watch) {
      run = new RunWatcher(client, out, !json && System.console() != null, poll).watch(runId);
    } else {
      run = client.run(runId);
    }
    if (json) {
      ApiOptions.printJson(out, run);
    } else if (!watch) {
      out.printf(
          "run %s  %s  mode %s  scope %s  requested %s by %s%n",
          run.path("runId").asText(),
          run.path("state").asText(),
          run.path("mode").asText(),
          run.path("scope").asText(),
          run.path("requestedAt").asText(),
          run.path("requestedBy").asText());
      out.println(Progress.line(run, RunWatcher.elapsedSeconds(run)));
      RunFailures.lines(client, runId, run).forEach(out::println);
      out.flush();
    }
    String state = run.path("state").asText();
    return "failed".equals(state) ? 1 : 0;
  }
}
