package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.SnapshotObject;

/**
 * When an incremental sync writes a new base instead of another delta, so a reader never applies
 * more than a bounded number of deltas (the snapshot reader holds the deltas' net effect in memory).
 *
 * @param maxChainLength deltas a manifest may list; the sync that would add one more compacts
 * @param maxDeltaFraction compact when the deltas' bytes exceed this fraction of the base's bytes
 */
public record CompactionPolicy(int maxChainLength, double maxDeltaFraction) {
  public static final int DEFAULT_MAX_CHAIN_LENGTH = 8;
  public static final double DEFAULT_MAX_DELTA_FRACTION = 0.5;

  public CompactionPolicy {
    if (maxChainLength < 0 || maxChainLength > 1_000) {
      throw new IllegalArgumentException("worker.max-chain-length must be 0..1000, got " + maxChainLength);
    }
    if (!(maxDeltaFraction > 0) || maxDeltaFraction > 100) {
      throw new IllegalArgumentException(
          "worker.max-delta-fraction must be > 0 and <= 100, got " + maxDeltaFraction);
    }
  }

  public static CompactionPolicy defaults() {
    return new CompactionPolicy(DEFAULT_MAX_CHAIN_LENGTH, DEFAULT_MAX_DELTA_FRACTION);
  }

  /** True when the next sync of a target holding {@code manifest} must write a new base. */
  public boolean compactBefore(Manifest manifest) {
    if (manifest.chainLength() >= maxChainLength) {
      return true;
    }
    long deltaBytes = manifest.deltas().stream().mapToLong(SnapshotObject::bytes).sum();
    return deltaBytes > maxDeltaFraction * Math.max(1, manifest.base().bytes());
  }
}
