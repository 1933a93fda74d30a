package dev.storagebuilder.worker.jdbc;

import java.time.Duration;

/**
 * How the JDBC source finds a safe high watermark (see docs/incremental.md).
 *
 * @param overlapVersions MariaDB/MySQL and H2 re-read this many versions below the watermark on
 *     every incremental read ({@code version >= watermark - overlapVersions}), so a transaction that
 *     commits at most this many versions out of order is still seen; -1 picks the dialect's default
 *     (0 on a PostgreSQL primary, which is exact without it; a hot standby cannot settle and gets
 *     the others' default)
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
   * where the read settles (PostgreSQL's primary), else {@code overlap} whole versions below it are
   * re-read ({@code watermark - overlap} and up). Excluding {@code watermark - overlap} too re-read
   * one version fewer than the guarantee promises: a transaction that committed once exactly
   * {@code overlap} later versions had been read was skipped for good.
   *
   * @param settles whether the read waits for the transactions in flight (the dialect default
   *     overlap is then 0)
   */
  long windowFrom(long watermark, boolean settles) {
    long overlap = overlapVersions >= 0 ? overlapVersions : settles ? 0 : DEFAULT_NON_POSTGRES_OVERLAP;
    return overlap == 0 ? watermark : Math.max(0, watermark - overlap - 1);
  }
}
