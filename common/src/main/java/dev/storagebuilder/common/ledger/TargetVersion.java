package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.ids.TargetRef;
import java.time.Instant;
import java.util.Objects;

/**
 * What one target's current snapshot holds: the version record in DynamoDB.
 *
 * @param sequence 1 for the first commit, +1 per commit; the fencing token of compare-and-set
 * @param watermark every source row with a version at or below it is reflected in the snapshot
 * @param manifestKey object key of the manifest listing the base and its deltas
 * @param rowCount rows in the target's current state
 * @param contentChecksum order-independent checksum of the current state (see RowChecksum)
 * @param chainLength deltas on top of the base (0 after a full sync or compaction)
 * @param runId the run that committed this version
 * @param shape {@code SnapshotShape} fingerprint of the declaration the manifest was written with,
 *     or null when unknown (committed before versions recorded it): an incremental sync that
 *     finds it equal to its declaration's needs not read the manifest to know the shape still holds
 */
public record TargetVersion(
    TargetRef target,
    long sequence,
    long watermark,
    String manifestKey,
    long rowCount,
    String contentChecksum,
    int chainLength,
    String runId,
    Instant committedAt,
    String shape) {
  public TargetVersion {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(manifestKey, "manifestKey");
    Objects.requireNonNull(contentChecksum, "contentChecksum");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(committedAt, "committedAt");
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be >= 1, got " + sequence);
    }
  }

  /** A version of unknown shape. */
  public TargetVersion(
      TargetRef target, long sequence, long watermark, String manifestKey, long rowCount, String contentChecksum,
      int chainLength, String runId, Instant committedAt) {
    this(target, sequence, watermark, manifestKey, rowCount, contentChecksum, chainLength, runId, committedAt, null);
  }
}
