package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@link DemoDataGenerator#load} wrote.
 *
 * @param dialect the database loaded
 * @param clientIds the clients written to the {@code clients} table, in id order
 * @param rowsPerTarget rows written per target, in declaration order
 * @param firstVersion the version of the first row written; row versions are {@code firstVersion}
 *     plus the row's position in the full plan's load order
 * @param lastVersion the highest version the plan assigns; the change-version sequence continues
 *     after it
 * @param elapsed wall time of the whole load, including schema creation
 * @param elapsedPerTarget wall time per target (its bulk load and commit)
 */
public record GenerationReport(
    SqlDialect dialect,
    List<String> clientIds,
    Map<String, Long> rowsPerTarget,
    long firstVersion,
    long lastVersion,
    Duration elapsed,
    Map<String, Duration> elapsedPerTarget) {

  public GenerationReport {
    clientIds = List.copyOf(clientIds);
    rowsPerTarget = Collections.unmodifiableMap(new LinkedHashMap<>(rowsPerTarget));
    elapsedPerTarget = Collections.unmodifiableMap(new LinkedHashMap<>(elapsedPerTarget));
  }

  /** Rows in the target tables (the {@code clients} table not counted). */
  public long totalRows() {
    return rowsPerTarget.values().stream().mapToLong(Long::longValue).sum();
  }

  public double rowsPerSecond() {
    return rate(totalRows(), elapsed);
  }

  public double rowsPerSecond(String target) {
    Duration duration = elapsedPerTarget.get(target);
    if (duration == null) {
      throw new IllegalArgumentException("target '" + target + "' was not loaded");
    }
    return rate(rowsPerTarget.get(target), duration);
  }

  /** One line per target with its rows and rate, then the total: for CLIs and test output. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            "%s: %,d clients, %,d rows in %.2f s (%,.0f rows/s), versions %d..%d%n",
            dialect,
            clientIds.size(),
            totalRows(),
            elapsed.toNanos() / 1e9,
            rowsPerSecond(),
            firstVersion,
            lastVersion));
    rowsPerTarget.forEach(
        (target, rows) ->
            text.append(
                String.format(
                    "  %-22s %,12d rows %8.2f s %,12.0f rows/s%n",
                    target,
                    rows,
                    elapsedPerTarget.get(target).toNanos() / 1e9,
                    rowsPerSecond(target))));
    return text.toString();
  }

  private static double rate(long rows, Duration duration) {
    double seconds = duration.toNanos() / 1e9;
    return seconds <= 0 ? 0 : rows / seconds;
  }
}
