package dev.storagebuilder.local.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.json.Json;
import java.io.PrintStream;
import java.util.Locale;

/**
 * What a demo or sync run did, as printed and as written by {@code --summary FILE}.
 *
 * @param verified true only when every target's snapshot matched its source rows
 */
public record RunSummary(
    String runId,
    String mode,
    int total,
    int succeeded,
    int failed,
    int deadLettered,
    long rows,
    long bytes,
    double seconds,
    int workers,
    boolean verified,
    int verifiedTargets,
    long workerPeakRssMb,
    ObjectNode chaos) {

  public RunSummary(String runId, String mode, int total, int succeeded, int failed, int deadLettered, long rows,
      long bytes, double seconds, int workers, boolean verified, int verifiedTargets, long workerPeakRssMb) {
    this(runId, mode, total, succeeded, failed, deadLettered, rows, bytes, seconds, workers, verified, verifiedTargets,
        workerPeakRssMb, null);
  }

  public boolean ok() {
    return verified && failed == 0 && deadLettered == 0 && succeeded == total;
  }

  public ObjectNode toJson() {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("runId", runId);
    json.put("mode", mode);
    ObjectNode targets = json.putObject("targets");
    targets.put("total", total);
    targets.put("succeeded", succeeded);
    targets.put("failed", failed);
    targets.put("deadLettered", deadLettered);
    json.put("rows", rows);
    json.put("bytes", bytes);
    json.put("seconds", Math.round(seconds * 1000) / 1000.0);
    json.put("rowsPerSecond", seconds > 0 ? Math.round(rows / seconds) : 0);
    json.put("workers", workers);
    json.put("verified", verified);
    json.put("workerPeakRssMb", workerPeakRssMb);
    if (chaos != null) {
      json.set("chaos", chaos);
    }
    return json;
  }

  public void print(PrintStream out) {
    out.println();
    out.println("  run           " + runId + " (" + mode + ")");
    out.printf(Locale.ROOT, "  targets       %d total, %d succeeded, %d failed, %d dead-lettered%n", total, succeeded, failed,
        deadLettered);
    out.printf(Locale.ROOT, "  rows          %,d%n", rows);
    out.printf(Locale.ROOT, "  bytes         %s%n", Progress.megabytes(bytes));
    out.printf(Locale.ROOT, "  seconds       %.1f (%,d rows/s)%n", seconds, seconds > 0 ? Math.round(rows / seconds) : 0);
    out.printf(Locale.ROOT, "  workers       %d (peak RSS %d MB)%n", workers, workerPeakRssMb);
    out.printf(Locale.ROOT, "  verified      %s (%d/%d targets match their source)%n", verified ? "yes" : "NO", verifiedTargets,
        total);
    if (chaos != null) {
      out.println("  chaos         " + chaos);
    }
  }
}
