package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.target.SqlDialect;

import java.time.Duration;

/**
 * How the JDBC source finds a safe high watermark (see docs/incremental.md).
 *
 * @param overlapVersions MariaDB/MySQL and H2 re-read this many versions below the watermark on
 *     every incremental read ({@code version >= watermark - overlapVersions}), so a transaction that
 *     commits at most this many versions out of order is still seen; -1 picks the dialect's default
 *     (0 on PostgreSQL, which is exact without it)
 * @param settleTimeout PostgreSQL waits at most this long for transactions in flight when a read
 *     starts; if they are still running, the watermark does not advance past the previous one
 */
public record ChangeReadSettings(long overlapVersions, Duration settleTimeout) {
  public static final long DIALECT_DEFAULT_OVERLAP = -1;
  public static final long DEFAULT_NON_POSTGRES_OVERLAP = 10_000;
  public static final Duration DEFAULT_SETTLE_TIMEOUT = Duration.ofSeconds(10);

  public ChangeReadSettings {
    if (overlapVersions < -1) {
      throw new IllegalArgumentException("worker.overlap-versions must be >= 0 (or -1 for the dialect default), got " + overlapVersions);
    }
    if (settleTimeout == null || settleTimeout.isNegative() || settleTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("worker.settle-timeout must be 0..10m, got " + settleTimeout);
    }
  }

  public static ChangeReadSettings defaults() {
    return new ChangeReadSettings(DIALECT_DEFAULT_OVERLAP, DEFAULT_SETTLE_TIMEOUT);
  }

  /**
   * The exclusive lower version bound of a change read above {@code watermark}: the watermark itself
   * on PostgreSQL, else {@code overlap} whole versions below it are re-read ({@code watermark -
   * overlap} and up). Excluding {@code watermark - overlap} too re-read one version fewer than the
   * guarantee promises: a transaction that committed once exactly {@code overlap} later versions had
   * been read was skipped for good.
   */
  long windowFrom(long watermark, SqlDialect dialect) {
    long overlap = overlapFor(dialect);
    return overlap == 0 ? watermark : Math.max(0, watermark - overlap - 1);
  }

  long overlapFor(SqlDialect dialect) {
    if (overlapVersions >= 0) {
      return overlapVersions;
    }
    return dialect == SqlDialect.POSTGRESQL ? 0 : DEFAULT_NON_POSTGRES_OVERLAP;
  }
}
