package dev.storagebuilder.local.source;

import java.time.LocalDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One generated client: its row of the {@code clients} table and how many rows each target gets.
 *
 * @param clientId e.g. {@code client-0042}; fixed width, so every collation sorts them alike
 * @param name a display name (non-ASCII on purpose)
 * @param createdAt UTC wall-clock time, microsecond precision
 * @param sizeRank 0 for the largest client, 1 for the next, ...; unrelated to the id order
 * @param rowsPerTarget rows per target name, in declaration order
 */
public record ClientPlan(
    String clientId,
    String name,
    LocalDateTime createdAt,
    int sizeRank,
    Map<String, Long> rowsPerTarget) {

  public ClientPlan {
    rowsPerTarget = Collections.unmodifiableMap(new LinkedHashMap<>(rowsPerTarget));
  }

  public long rows(String target) {
    Long rows = rowsPerTarget.get(target);
    if (rows == null) {
      throw new IllegalArgumentException("unknown target '" + target + "'");
    }
    return rows;
  }

  public long totalRows() {
    return rowsPerTarget.values().stream().mapToLong(Long::longValue).sum();
  }
}
