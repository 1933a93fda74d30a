package dev.storagebuilder.bench;

/**
 * How big each scenario is. The full sizes are the issue's; quick ones keep the whole run under two
 * minutes here and keep the same names (the JSON says {@code quick: true}).
 *
 * @param exportRounds how many times the single-target export and incremental run in their worker
 *     (the figures are the best round; every round is in the notes)
 */
record BenchSizes(
    boolean quick,
    long exportRows,
    long largeRows,
    double demoScale,
    int enqueueTargets,
    int incrementalChanges,
    int exportRounds) {
  static final int DEFAULT_EXPORT_ROUNDS = 3;
  static final int MAX_EXPORT_ROUNDS = 20;
  static final long MIN_LARGE_ROWS = 1_000;
  static final long MAX_LARGE_ROWS = 100_000_000;

  static BenchSizes of(boolean quick) {
    return quick
        ? new BenchSizes(true, 100_000, 500_000, 0.02, 2_000, 100, DEFAULT_EXPORT_ROUNDS)
        : new BenchSizes(false, 1_000_000, 10_000_000, 1.0, 10_000, 100, DEFAULT_EXPORT_ROUNDS);
  }

  /** More rounds show how far a worker is from its steady state; the figures stay the best round. */
  BenchSizes withExportRounds(int rounds) {
    if (rounds < 1 || rounds > MAX_EXPORT_ROUNDS) {
      throw new IllegalArgumentException("--rounds must be 1.." + MAX_EXPORT_ROUNDS + ", got " + rounds);
    }
    return new BenchSizes(quick, exportRows, largeRows, demoScale, enqueueTargets, incrementalChanges, rounds);
  }

  /** A smaller large target makes an export experiment take a minute instead of two. */
  BenchSizes withLargeRows(long rows) {
    if (rows < MIN_LARGE_ROWS || rows > MAX_LARGE_ROWS) {
      throw new IllegalArgumentException(
          "--large-rows must be " + MIN_LARGE_ROWS + ".." + MAX_LARGE_ROWS + ", got " + rows);
    }
    return new BenchSizes(quick, exportRows, rows, demoScale, enqueueTargets, incrementalChanges, exportRounds);
  }
}
