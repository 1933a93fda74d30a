package dev.storagebuilder.local.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.local.client.ProducerClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.Locale;

/** Renders a run's status as one progress line: done/total, rows, MB, rate, ETA, failures. */
public final class Progress {
  private static final int BAR_WIDTH = 24;

  private final PrintStream out;
  private final boolean terminal;
  private String lastLine = "";

  public Progress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  public void show(JsonNode run, double elapsedSeconds) {
    String line = line(run, elapsedSeconds);
    if (line.equals(lastLine)) {
      return;
    }
    lastLine = line;
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  /**
   * Polls a run until it succeeds or fails, showing its progress line; {@code betweenPolls} runs on
   * every poll (the fleet samples its processes' memory there). Returns the run's final status.
   */
  public JsonNode follow(
      ProducerClient producer, String runId, long startNanos, Duration poll, Duration timeout, Runnable betweenPolls) {
    try {
      JsonNode run = producer.run(runId);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!run.path("state").asText().equals("succeeded") && !run.path("state").asText().equals("failed")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("run " + runId + " did not finish within " + timeout);
        }
        show(run, (System.nanoTime() - startNanos) / 1e9);
        betweenPolls.run();
        LockSupport.parkNanos(poll.toNanos());
        run = producer.run(runId);
      }
      show(run, (System.nanoTime() - startNanos) / 1e9);
      return run;
    } finally {
      // Also when following failed: on a terminal the line is redrawn in place and left open, so
      // whatever is printed next (the error, where the logs are) would continue the progress bar.
      if (!lastLine.isEmpty()) {
        end();
      }
    }
  }

  public void end() {
    if (terminal) {
      out.println();
    }
  }

  public static String line(JsonNode run, double elapsedSeconds) {
    int total = run.path("total").asInt();
    JsonNode counts = run.path("counts");
    int succeeded = counts.path("succeeded").asInt();
    int deadLettered = counts.path("deadLettered").asInt();
    int failed = counts.path("failed").asInt();
    int done = succeeded + deadLettered;
    long rows = run.path("rows").asLong();
    long bytes = run.path("bytes").asLong();
    int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * done / total);
    String bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    double rate = elapsedSeconds > 0 ? rows / elapsedSeconds : 0;
    String eta = run.hasNonNull("etaSeconds") ? run.get("etaSeconds").asLong() + "s" : "-";
    StringBuilder line =
        new StringBuilder(
            String.format(Locale.ROOT, "[%s] %d/%d targets  %,d rows  %s  %,.0f rows/s  ETA %s", bar, done, total, rows,
                megabytes(bytes), rate, eta));
    if (failed > 0 || deadLettered > 0) {
      line.append(String.format(Locale.ROOT, "  retrying %d, dead-lettered %d", failed, deadLettered));
    }
    int notSent = counts.path("notSent").asInt();
    if (notSent > 0) {
      // the producer stopped while sending the run's messages: these never started
      line.append(String.format(Locale.ROOT, "  not sent %d (enqueue abandoned)", notSent));
    }
    return line.toString();
  }

  public static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
  }
}
