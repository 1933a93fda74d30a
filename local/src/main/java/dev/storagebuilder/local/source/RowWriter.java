package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import dev.storagebuilder.common.target.ColumnType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;

/**
 * Appends rows to one table through the fastest path of a dialect. Rows arrive as {@code Object[]}
 * in the column order given at open; the writer may buffer them, so only {@link #finish()}
 * guarantees that they reached the database (in the caller's transaction). Not thread-safe.
 */
interface RowWriter extends AutoCloseable {

  /** Takes a row; the array may be reused by the caller once this returns. */
  void write(Object[] row) throws SQLException;

  /** Sends what is buffered and ends the bulk operation; returns the rows written. */
  long finish() throws SQLException;

  /** Abandons an unfinished bulk operation (the caller rolls back). */
  @Override
  void close() throws SQLException;

  /**
   * A writer for the dialect's bulk path. {@code freshTable} promises the table is empty and
   * nothing else writes it, which lets PostgreSQL truncate it in the same transaction and COPY with
   * FREEZE.
   */
  static RowWriter open(
      SqlDialect dialect,
      Connection connection,
      String table,
      List<String> columns,
      List<ColumnType> types,
      boolean freshTable)
      throws SQLException {
    return switch (dialect) {
      case POSTGRESQL -> new PostgresCopyWriter(connection, table, columns, types, freshTable);
      case MARIADB ->
          LoadDataWriter.isAvailable(connection)
              ? new LoadDataWriter(connection, table, columns, types)
              : new MultiRowInsertWriter(connection, table, columns, types);
      case H2 -> new BatchInsertWriter(connection, table, columns, types);
    };
  }

  /** Binds one value with the setter its declared type needs; NULLs keep their SQL type. */
  static void bind(PreparedStatement statement, int index, ColumnType type, Object value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, sqlType(type));
      return;
    }
    switch (type) {
      case BOOLEAN -> statement.setBoolean(index, (Boolean) value);
      case INT32 -> statement.setInt(index, (Integer) value);
      case INT64 -> statement.setLong(index, (Long) value);
      case DOUBLE -> statement.setDouble(index, (Double) value);
      case DECIMAL -> statement.setBigDecimal(index, (java.math.BigDecimal) value);
      case STRING -> statement.setString(index, (String) value);
      case DATE -> statement.setObject(index, (LocalDate) value);
      case TIMESTAMP -> statement.setObject(index, (LocalDateTime) value);
      case BYTES -> statement.setBytes(index, (byte[]) value);
    }
  }

  static int sqlType(ColumnType type) {
    return switch (type) {
      case BOOLEAN -> Types.BOOLEAN;
      case INT32 -> Types.INTEGER;
      case INT64 -> Types.BIGINT;
      case DOUBLE -> Types.DOUBLE;
      case DECIMAL -> Types.DECIMAL;
      case STRING -> Types.VARCHAR;
      case DATE -> Types.DATE;
      case TIMESTAMP -> Types.TIMESTAMP;
      case BYTES -> Types.VARBINARY;
    };
  }
}
