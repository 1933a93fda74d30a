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
    return "SELECT " + columnList(target) + " FROM " + target.table() + " WHERE " + target.clientColumn() + " = ?";
  }

  /** The highest version among one client's rows; parameter 1 is the client id. */
  public static String maxVersion(TargetDeclaration target) {
    return "SELECT MAX(" + target.versionColumn() + ") FROM " + target.table() + " WHERE " + target.clientColumn() + " = ?";
  }

  public static String columnList(TargetDeclaration target) {
    return target.columns().stream().map(ColumnDeclaration::name).collect(Collectors.joining(", "));
  }
}
