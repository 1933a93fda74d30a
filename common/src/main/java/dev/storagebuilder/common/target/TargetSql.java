package dev.storagebuilder.common.target;

import java.util.stream.Collectors;

/**
 * The SQL a target's declaration implies, shared by the worker (to read) and verify (to compare).
 * Identifiers are validated as plain SQL identifiers when declarations load, so they are
 * interpolated unquoted and fold case as the user's database does.
 */
public final class TargetSql {
  private TargetSql() {}

  /** One client's rows, declared columns in order; parameter 1 is the client id. */
  public static String selectAll(TargetDeclaration target) {
    return "SELECT " + columnList(target) + " FROM " + target.table() + " WHERE " + target.clientColumn() + " = ?"
        + liveFilter(target);
  }

  /**
   * One client's live rows changed above a version; parameter 1 is the client id, 2 the exclusive
   * lower version bound.
   */
  public static String selectChangedRows(TargetDeclaration target) {
    return selectAll(target) + " AND " + target.versionColumn() + " > ?";
  }

  /**
   * One client's keys deleted above a version: key columns in declaration order, then the delete's
   * version; parameter 1 is the client id, 2 the exclusive lower bound. Null when the target
   * declares no delete tracking.
   */
  public static String selectDeletedKeys(TargetDeclaration target) {
    DeleteTracking deletes = target.deletes();
    if (deletes == null) {
      return null;
    }
    String keys = String.join(", ", target.keyColumns()) + ", " + target.versionColumn();
    String where = " WHERE " + target.clientColumn() + " = ? AND " + target.versionColumn() + " > ?";
    return switch (deletes.kind()) {
      case TOMBSTONE_TABLE -> "SELECT " + keys + " FROM " + deletes.table() + where;
      case SOFT_DELETE_COLUMN ->
          "SELECT " + keys + " FROM " + target.table() + where + " AND COALESCE(" + deletes.column() + ", FALSE)";
    };
  }

  /** The highest delete version of one client (tombstone table only; else null). */
  public static String maxDeleteVersion(TargetDeclaration target) {
    DeleteTracking deletes = target.deletes();
    if (deletes == null || deletes.kind() != DeleteTracking.Kind.TOMBSTONE_TABLE) {
      return null;
    }
    return "SELECT MAX(" + target.versionColumn() + ") FROM " + deletes.table() + " WHERE " + target.clientColumn() + " = ?";
  }

  /** Soft-deleted rows (a BOOLEAN column, true = deleted) are not part of the target's state. */
  private static String liveFilter(TargetDeclaration target) {
    DeleteTracking deletes = target.deletes();
    if (deletes == null || deletes.kind() != DeleteTracking.Kind.SOFT_DELETE_COLUMN) {
      return "";
    }
    return " AND NOT COALESCE(" + deletes.column() + ", FALSE)";
  }

  /**
   * The highest version among one client's rows and, with a tombstone table, its tombstones: one
   * statement (one snapshot, one round trip), a row of one or two columns (NULL when there are
   * none); every parameter is the client id.
   */
  public static String maxVersions(TargetDeclaration target) {
    String deletes = maxDeleteVersion(target);
    return deletes == null ? maxVersion(target) : "SELECT (" + maxVersion(target) + "), (" + deletes + ")";
  }

  /** The highest version among one client's rows; parameter 1 is the client id. */
  public static String maxVersion(TargetDeclaration target) {
    return "SELECT MAX(" + target.versionColumn() + ") FROM " + target.table() + " WHERE " + target.clientColumn() + " = ?";
  }

  public static String columnList(TargetDeclaration target) {
    return target.columns().stream().map(ColumnDeclaration::name).collect(Collectors.joining(", "));
  }
}
