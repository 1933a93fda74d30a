package dev.storagebuilder.bench;

import java.util.Locale;

/**
 * The limit pipeline's runs in one scenario: the fastest of each query plan, and what the fastest
 * run of all cost in CPU. The export scenario adds runs between its rounds, so the baseline is
 * sampled over the same minutes as the worker it is compared with.
 */
final class LimitSamples {
  private static final int DEFAULT_PLAN = 0;
  private static final int INDEX_PLAN = 1;

  private final double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
  private final int[] runs = new int[2];
  private CpuAccount.Use fastestCpu;

  /**
   * @param indexPlan whether the run had sequential scans off (the worker's plan)
   * @param cpu what the run cost, by role
   */
  void add(boolean indexPlan, double seconds, CpuAccount.Use cpu) {
    if (seconds < fastestSeconds()) {
      fastestCpu = cpu;
    }
    int plan = indexPlan ? INDEX_PLAN : DEFAULT_PLAN;
    best[plan] = Math.min(best[plan], seconds);
    runs[plan]++;
  }

  boolean isEmpty() {
    return runs[DEFAULT_PLAN] + runs[INDEX_PLAN] == 0;
  }

  /** The fastest run of either plan: the limit. */
  double fastestSeconds() {
    return Math.min(best[DEFAULT_PLAN], best[INDEX_PLAN]);
  }

  /** The CPU of the fastest run; null before the first. */
  CpuAccount.Use fastestCpu() {
    return fastestCpu;
  }

  /** e.g. {@code default plan 1.46 s (best of 3), enable_seqscan=off 0.81 s (best of 4)}. */
  String describe() {
    return plan("default plan", DEFAULT_PLAN) + ", " + plan("enable_seqscan=off (the worker's)", INDEX_PLAN);
  }

  private String plan(String name, int plan) {
    if (runs[plan] == 0) {
      return name + " not run";
    }
    return String.format(Locale.ROOT, "%s %.2f s (best of %d)", name, best[plan], runs[plan]);
  }
}
