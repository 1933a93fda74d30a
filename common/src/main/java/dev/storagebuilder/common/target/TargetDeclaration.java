package dev.storagebuilder.common.target;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.storagebuilder.common.ids.Ids;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A storage target kind: which rows of the source make one client's snapshot, and their shape.
 *
 * @param name target kind, e.g. {@code raw_data}; part of S3 keys and messages
 * @param table the source table (a plain identifier, optionally schema-qualified)
 * @param clientColumn the column holding the tenant id; rows are selected by it
 * @param keyColumns the primary key within a client; deltas upsert and delete by it
 * @param versionColumn a monotonically assigned change version (BIGINT); drives incremental sync
 * @param columns the columns written to the snapshot, in order; must include keys and version
 * @param deletes how deletes are recorded, or null when the source never deletes
 * @param estimatedRowsPerClient a size hint for fair scheduling (largest targets first); 0 = unknown
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TargetDeclaration(
    String name,
    String table,
    String clientColumn,
    List<String> keyColumns,
    String versionColumn,
    List<ColumnDeclaration> columns,
    DeleteTracking deletes,
    long estimatedRowsPerClient) {

  public TargetDeclaration {
    try {
      Ids.requireTargetName(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("target name: " + e.getMessage());
    }
    String where = "target '" + name + "': ";
    if (table == null || !table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
      throw new IllegalArgumentException(where + "table must be an SQL identifier, got '" + table + "'");
    }
    if (columns == null || columns.isEmpty()) {
      throw new IllegalArgumentException(where + "columns must list at least one column");
    }
    // Said here: List.copyOf's NullPointerException reached the user as "problem: NullPointerException".
    if (columns.stream().anyMatch(java.util.Objects::isNull)) {
      throw new IllegalArgumentException(where + "columns must not list null");
    }
    columns = List.copyOf(columns);
    Set<String> names = new HashSet<>();
    for (ColumnDeclaration column : columns) {
      if (!names.add(column.name().toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException(where + "column '" + column.name() + "' is declared twice");
      }
    }
    if (clientColumn == null || !ColumnDeclaration.IDENTIFIER.matcher(clientColumn).matches()) {
      throw new IllegalArgumentException(where + "clientColumn must be an SQL identifier, got '" + clientColumn + "'");
    }
    ColumnDeclaration.requireColumnName(where + "clientColumn", clientColumn);
    if (keyColumns == null || keyColumns.isEmpty()) {
      throw new IllegalArgumentException(where + "keyColumns must name at least one column");
    }
    if (keyColumns.stream().anyMatch(java.util.Objects::isNull)) {
      throw new IllegalArgumentException(where + "keyColumns must not list null");
    }
    keyColumns = List.copyOf(keyColumns);
    for (String key : keyColumns) {
      if (!names.contains(key.toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException(where + "key column '" + key + "' is not in columns");
      }
    }
    if (versionColumn == null || !names.contains(versionColumn.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException(
          where + "versionColumn '" + versionColumn + "' must be one of the columns");
    }
    ColumnDeclaration version = column(columns, versionColumn);
    if (version.type() != ColumnType.INT64 && version.type() != ColumnType.INT32) {
      throw new IllegalArgumentException(
          where + "versionColumn '" + versionColumn + "' must be INT64 or INT32, got " + version.type());
    }
    if (estimatedRowsPerClient < 0) {
      throw new IllegalArgumentException(where + "estimatedRowsPerClient must be >= 0");
    }
  }

  /** The declared column with this name (case-insensitive). */
  public ColumnDeclaration column(String columnName) {
    return column(columns, columnName);
  }

  /** Position of a column in {@link #columns()}, or -1. */
  public int indexOf(String columnName) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equalsIgnoreCase(columnName)) {
        return i;
      }
    }
    return -1;
  }

  private static ColumnDeclaration column(List<ColumnDeclaration> columns, String columnName) {
    for (ColumnDeclaration column : columns) {
      if (column.name().equalsIgnoreCase(columnName)) {
        return column;
      }
    }
    throw new IllegalArgumentException("no column '" + columnName + "'");
  }
}
