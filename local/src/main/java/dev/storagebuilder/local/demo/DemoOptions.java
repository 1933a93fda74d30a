package dev.storagebuilder.local.demo;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.chaos.ChaosSettings;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code ./sb demo} runs.
 *
 * @param scale data size: 1 is legacy-sized (~100 clients, the largest with ~1M raw-data rows)
 * @param stateDir where the embedded stack keeps its state; null for a fresh temporary one
 * @param summaryFile where to write the summary JSON, or null
 * @param chaos kill workers, cut the source off, fail S3 and duplicate messages during the run
 * @param chaosSettings how long the outages last and how many duplicates (used with {@code chaos})
 */
public record DemoOptions(
    double scale, int workers, long seed, SyncMode mode, boolean keepRunning, Path stateDir, Path summaryFile,
    boolean chaos, ChaosSettings chaosSettings) {
  /** Sized so the whole demo, JVM starts included, finishes in about a minute on two cores. */
  public static final double DEFAULT_SCALE = 0.02;

  public static final long DEFAULT_SEED = 42;

  public DemoOptions(
      double scale, int workers, long seed, SyncMode mode, boolean keepRunning, Path stateDir, Path summaryFile,
      boolean chaos) {
    this(scale, workers, seed, mode, keepRunning, stateDir, summaryFile, chaos, ChaosSettings.DEFAULTS);
  }

  public DemoOptions {
    Objects.requireNonNull(chaosSettings, "chaosSettings");
    if (!(scale > 0 && scale <= 10)) {
      throw new IllegalArgumentException("--scale must be in (0, 10], got " + scale);
    }
    if (workers < 1 || workers > 16) {
      throw new IllegalArgumentException("--workers must be 1..16, got " + workers);
    }
  }
}
