package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.TargetVersion;
import java.util.List;

/**
 * A snapshot whose objects and manifest are written but not yet committed.
 *
 * @param rowsWritten rows (upserts) written to the new file
 * @param bytesWritten bytes of the new file and manifest (0 when nothing changed)
 * @param rowsRead source records read: rows plus deleted keys
 * @param kind what was written
 * @param newObjects keys of every object this attempt wrote; unreferenced if the commit loses
 * @param split where a base's build time went ({@link BuildSplit#NONE} for other kinds)
 * @param trailing an upload still running that the commit need not wait for (a base's key index
 *     sidecar); awaited before the message is finished, discarded when the commit loses
 * @param highestVersionRead the highest source version among the records read (0: none); above
 *     the version's watermark when the read saw changes it could not vouch for yet (a PostgreSQL
 *     read that did not settle keeps the old watermark), and such changes must not be given up
 * @param watermarkSettled whether the source vouched that no change at or below the watermark can
 *     still appear ({@link dev.storagebuilder.worker.port.ChangeRead#watermarkSettled()}); false
 *     where another read with the same watermark may have missed a row this one read
 * @param retiredDue objects earlier versions retired whose grace is over: the new manifest no
 *     longer lists them, and the committer deletes them once (and only if) its commit succeeded
 * @param swept leftovers a sweep found that the new manifest lists as retired ({@link OrphanSweep})
 */
public record BuiltSnapshot(
    TargetVersion version,
    long rowsWritten,
    long bytesWritten,
    long rowsRead,
    Kind kind,
    List<String> newObjects,
    BuildSplit split,
    TrailingUpload trailing,
    long highestVersionRead,
    boolean watermarkSettled,
    List<String> retiredDue,
    int swept) {

  public enum Kind {
    /** A new base: full mode, no version record yet, a schema change, or compaction. */
    BASE,
    /** A delta on top of the current manifest. */
    DELTA,
    /**
     * Nothing changed: no new file. The version is a new sequence when the watermark moved, or with
     * a new manifest of the same files when an idle target's sweep retires leftovers or lets retired
     * objects be deleted, else the current record itself ({@link #commits} is false).
     */
    UNCHANGED
  }

  /**
   * The source version this build's content reaches: its watermark, or a higher version it read.
   * A version read up to less may lack some of what this build read.
   */
  public long readUpTo() {
    return Math.max(version.watermark(), highestVersionRead);
  }

  /** Whether there is a version to commit on top of {@code currentSequence} (0: none yet). */
  public boolean commits(long currentSequence) {
    return version.sequence() > currentSequence;
  }

  public BuiltSnapshot {
    newObjects = List.copyOf(newObjects);
    retiredDue = List.copyOf(retiredDue);
  }

  /** A snapshot that retires nothing for deletion. */
  public BuiltSnapshot(
      TargetVersion version, long rowsWritten, long bytesWritten, long rowsRead, Kind kind, List<String> newObjects,
      BuildSplit split, TrailingUpload trailing, long highestVersionRead, boolean watermarkSettled) {
    this(version, rowsWritten, bytesWritten, rowsRead, kind, newObjects, split, trailing, highestVersionRead,
        watermarkSettled, List.of(), 0);
  }

  /** A snapshot with nothing left running that retires nothing for deletion. */
  public BuiltSnapshot(
      TargetVersion version, long rowsWritten, long bytesWritten, long rowsRead, Kind kind, List<String> newObjects,
      BuildSplit split, long highestVersionRead, boolean watermarkSettled) {
    this(version, rowsWritten, bytesWritten, rowsRead, kind, newObjects, split, TrailingUpload.NONE,
        highestVersionRead, watermarkSettled);
  }
}
