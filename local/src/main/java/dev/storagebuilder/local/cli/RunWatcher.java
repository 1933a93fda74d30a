package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.client.RunFailures;
import dev.storagebuilder.local.demo.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.locks.LockSupport;

/** Follows a run until it finishes, redrawing one progress line (or one line per change). */
final class RunWatcher {
  private final ProducerClient client;
  private final PrintWriter out;
  private final boolean terminal;
  private final Duration poll;

  RunWatcher(ProducerClient client, PrintWriter out, boolean terminal, Duration poll) {
    this.client = client;
    this.out = out;
    this.terminal = terminal;
    this.poll = poll;
  }

  /** Returns the finished run. */
  JsonNode watch(String runId) {
    String last = "";
    JsonNode run = client.run(runId);
    while (true) {
      String line = Progress.line(run, elapsedSeconds(run));
      if (!line.equals(last)) {
        if (terminal) {
          out.print("\r" + line + "\u001b[K");
        } else {
          out.println(line);
        }
        out.flush();
        last = line;
      }
      if (!"running".equals(run.path("state").asText())) {
        break;
      }
      LockSupport.parkNanos(poll.toNanos());
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
      run = client.run(runId);
    }
    if (terminal) {
      out.println();
    }
    out.println("run " + runId + " " + run.path("state").asText());
    RunFailures.lines(client, runId, run).forEach(out::println);
    out.flush();
    return run;
  }

  /** Since the run was requested, or until it finished: what the rate is measured over. */
  static double elapsedSeconds(JsonNode run) {
    try {
      Instant start = Instant.parse(run.path("requestedAt").asText());
      Instant end =
          run.hasNonNull("finishedAt")
              ? Instant.parse(run.get("finishedAt").asText())
              : Instant.now();
      return Math.max(0.001, Duration.between(start, end).toMillis() / 1000.0);
    } catch (DateTimeParseException e) {
      return 0;
    }
  }
}
