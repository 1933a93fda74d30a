package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * MariaDB: {@code INSERT ... VALUES (...),(...),...} of {@value #ROWS_PER_STATEMENT} rows per
 * statement. The driver substitutes the parameters client-side (it escapes for the session's
 * sql_mode), so each statement is one round trip. The longest demo row is under 10 KB even in
 * 4-byte UTF-8, so a statement stays well under MariaDB's default 16 MiB {@code
 * max_allowed_packet}.
 */
final class MultiRowInsertWriter implements RowWriter {
  static final int ROWS_PER_STATEMENT = 1000;

  private final Connection connection;
  private final String table;
  private final List<String> columns;
  private final ColumnType[] types;
  private final PreparedStatement full;
  private final Object[][] buffer;
  private int pending;
  private long written;

  MultiRowInsertWriter(
      Connection connection, String table, List<String> columns, List<ColumnType> types)
      throws SQLException {
    this.connection = connection;
    this.table = table;
    this.columns = List.copyOf(columns);
    this.types = types.toArray(ColumnType[]::new);
    this.buffer = new Object[ROWS_PER_STATEMENT][];
    this.full = connection.prepareStatement(sql(ROWS_PER_STATEMENT));
  }

  @Override
  public void write(Object[] row) throws SQLException {
    buffer[pending++] = row.clone();
    if (pending == ROWS_PER_STATEMENT) {
      execute(full);
    }
  }

  @Override
  public long finish() throws SQLException {
    if (pending > 0) {
      try (PreparedStatement rest = connection.prepareStatement(sql(pending))) {
        execute(rest);
      }
    }
    full.close();
    return written;
  }

  @Override
  public void close() throws SQLException {
    full.close();
  }

  private void execute(PreparedStatement statement) throws SQLException {
    int index = 1;
    for (int r = 0; r < pending; r++) {
      Object[] row = buffer[r];
      for (int c = 0; c < types.length; c++) {
        RowWriter.bind(statement, index++, types[c], row[c]);
      }
      buffer[r] = null;
    }
    statement.executeUpdate();
    written += pending;
    pending = 0;
  }

  private String sql(int rows) {
    String tuple = "(" + "?, ".repeat(columns.size() - 1) + "?)";
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(table)
            .append(" (")
            .append(String.join(", ", columns))
            .append(") VALUES ");
    for (int r = 0; r < rows; r++) {
      if (r > 0) {
        sql.append(',');
      }
      sql.append(tuple);
    }
    return sql.toString();
  }
}
