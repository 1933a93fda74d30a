package dev.storagebuilder.common.target;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a target's source records deletes, so an incremental sync can emit deleted keys.
 *
 * <ul>
 *   <li>{@code SOFT_DELETE_COLUMN}: rows stay in the table with {@code column} (a BOOLEAN) set true
 *       and their version bumped; deleted rows are excluded from the target's state.
 *   <li>{@code TOMBSTONE_TABLE}: a deleted row's client, key columns and the delete's version are
 *       written to {@code table} (with the same column names as the target's key and version).
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeleteTracking(Kind kind, String table, String column) {
  public enum Kind {
    SOFT_DELETE_COLUMN,
    TOMBSTONE_TABLE
  }

  public DeleteTracking {
    if (kind == null) {
      throw new IllegalArgumentException("deletes.kind must be SOFT_DELETE_COLUMN or TOMBSTONE_TABLE");
    }
    if (kind == Kind.SOFT_DELETE_COLUMN && (column == null || table != null)) {
      throw new IllegalArgumentException(
          "deletes: SOFT_DELETE_COLUMN needs 'column' and no 'table'");
    }
    if (kind == Kind.TOMBSTONE_TABLE && (table == null || column != null)) {
      throw new IllegalArgumentException("deletes: TOMBSTONE_TABLE needs 'table' and no 'column'");
    }
    for (String identifier : new String[] {table, column}) {
      if (identifier != null && !ColumnDeclaration.IDENTIFIER.matcher(identifier).matches()) {
        throw new IllegalArgumentException("deletes: '" + identifier + "' is not an SQL identifier");
      }
    }
    ColumnDeclaration.requireColumnName("deletes: column", column);
  }
}
