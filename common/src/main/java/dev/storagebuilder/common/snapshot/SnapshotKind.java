package dev.storagebuilder.common.snapshot;

/**
 * What a snapshot object holds: a whole target's rows, or the changes on top of an earlier state.
 */
public enum SnapshotKind {
  /** Every row of the target at its watermark; columns exactly as declared. */
  BASE,
  /**
   * Upserted rows and deleted keys since an earlier watermark. Non-key columns are optional (a
   * delete carries only its key) and two columns follow the declared ones: {@code _sb_op} ('U'
   * upsert, 'D' delete) and {@code _sb_version} (the row's or the delete's change version).
   */
  DELTA;

  /**
   * Whether {@code name} is one of the two columns a delta adds ({@code _sb_op}, {@code
   * _sb_version}, in any case): a declared column may not take it, or no delta could be written.
   */
  public static boolean isDeltaColumn(String name) {
    return name.equalsIgnoreCase(SnapshotSchema.OP_COLUMN)
        || name.equalsIgnoreCase(SnapshotSchema.VERSION_COLUMN);
  }
}
