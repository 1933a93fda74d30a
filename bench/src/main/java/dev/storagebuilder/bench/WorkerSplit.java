package dev.storagebuilder.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The split of one target's time as its worker measured it, read from the worker's {@code target
 * done} log line (TargetProcessor): its build's {@code database}, {@code serialize}, {@code
 * compress} and {@code upload} shares, the {@code commit} stage, and the {@code keyIndex} stage after
 * the commit (the key index sidecar still going up; 0 when the base had none to wait for). The line
 * gives milliseconds; the record holds seconds.
 */
record WorkerSplit(double databaseSeconds, double serializeSeconds, double compressSeconds, double uploadSeconds,
    double commitSeconds, double keyIndexAfterCommitSeconds) {
  private static final Pattern STAGES = Pattern.compile(" ms=(\\S+) build=(\\S+)");

  /** The split on the {@code target done} line of {@code runId}, if the log holds one with every part. */
  static Optional<WorkerSplit> find(List<String> logLines, String runId) {
    String run = "run=" + runId + " ";
    for (String line : logLines) {
      if (!line.contains(run) || !line.contains("target done")) {
        continue;
      }
      Matcher m = STAGES.matcher(line);
      if (!m.find()) {
        continue;
      }
      Map<String, Double> ms = new HashMap<>(parse(m.group(1)));
      ms.putAll(parse(m.group(2)));
      if (!ms.keySet().containsAll(List.of("database", "serialize", "compress", "upload", "commit"))) {
        continue;
      }
      return Optional.of(new WorkerSplit(ms.get("database") / 1000, ms.get("serialize") / 1000,
          ms.get("compress") / 1000, ms.get("upload") / 1000, ms.get("commit") / 1000,
          ms.getOrDefault("keyIndex", 0.0) / 1000));
    }
    return Optional.empty();
  }

  /** {@code a:1,b:2} into its numbers. */
  private static Map<String, Double> parse(String stages) {
    Map<String, Double> ms = new HashMap<>();
    for (String stage : stages.split(",")) {
      int colon = stage.indexOf(':');
      if (colon > 0) {
        try {
          ms.put(stage.substring(0, colon), Double.parseDouble(stage.substring(colon + 1)));
        } catch (NumberFormatException e) {
          // not a stage of ours; skip it
        }
      }
    }
    return ms;
  }
}
