package dev.storagebuilder.bench;

/**
 * How big each scenario is. The full sizes are the issue's; quick ones keep the whole run under two
 * minutes here and keep the same names (the JSON says {@code quick: true}).
 */
record BenchSizes(
    boolean quick, long exportRows, long largeRows, double demoScale, int enqueueTargets, int incrementalChanges) {

  static BenchSizes of(boolean quick) {
    return quick
        ? new BenchSizes(true, 100_000, 500_000, 0.02, 2_000, 100)
        : new BenchSizes(false, 1_000_000, 10_000_000, 1.0, 10_000, 100);
  }
}
