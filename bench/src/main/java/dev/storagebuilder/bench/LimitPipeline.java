package dev.storagebuilder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine's limit for getting rows out of PostgreSQL compressed: {@code psql \copy ... to
 * stdout | zstd -1 > file}. The bench installs nothing: without psql or zstd on the PATH the limit
 * (and every ratio against it) is reported missing with the reason.
 */
final class LimitPipeline {
  private LimitPipeline() {}

  static Optional<String> missingTool() {
    for (String tool : List.of("psql", "zstd", "bash")) {
      if (!onPath(tool)) {
        return Optional.of(tool + " is not on the PATH (install it, e.g. apt-get install -y " + tool
            + "; the bench installs nothing)");
      }
    }
    return Optional.empty();
  }

  /**
   * Seconds the pipeline took; the file is deleted afterwards.
   *
   * @param indexPlan run the select with the planner setting the worker's reads use ({@code
   *     enable_seqscan = off}), so the limit is not held back by a plan the worker avoids
   */
  static double run(String host, int port, String user, String database, String selectSql, Path scratch,
      boolean indexPlan) throws IOException, InterruptedException {
    Path out = scratch.resolve("limit.csv.zst");
    String copy = "\\copy (" + selectSql + ") to stdout";
    String script =
        "set -o pipefail; psql -X -q -h " + host + " -p " + port + " -U " + user + " -d " + database + " -c "
            + shellQuote(copy) + " | zstd -1 -q -f -o " + shellQuote(out.toString());
    long start = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
    if (indexPlan) {
      builder.environment().put("PGOPTIONS", "-c enable_seqscan=off");
    }
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IOException("limit pipeline failed: " + new String(output).trim());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.deleteIfExists(out);
    return seconds;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  static String shellQuote(String text) {
    return "'" + text.replace("'", "'\"'\"'") + "'";
  }
}
