package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** H2: one prepared single-row INSERT, executed as JDBC batches (in-process, so no round trips). */
final class BatchInsertWriter implements RowWriter {
  static final int BATCH_ROWS = 1000;

  private final PreparedStatement statement;
  private final ColumnType[] types;
  private int pending;
  private long written;

  BatchInsertWriter(
      Connection connection, String table, List<String> columns, List<ColumnType> types)
      throws SQLException {
    this.types = types.toArray(ColumnType[]::new);
    this.statement =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " ("
                + String.join(", ", columns)
                + ") VALUES ("
                + "?, ".repeat(columns.size() - 1)
                + "?)");
  }

  @Override
  public void write(Object[] row) throws SQLException {
    for (int i = 0; i < types.length; i++) {
      RowWriter.bind(statement, i + 1, types[i], row[i]);
    }
    statement.addBatch();
    if (++pending == BATCH_ROWS) {
      flush();
    }
  }

  @Override
  public long finish() throws SQLException {
    flush();
    statement.close();
    return written;
  }

  @Override
  public void close() throws SQLException {
    statement.close();
  }

  private void flush() throws SQLException {
    if (pending > 0) {
      statement.executeBatch();
      written += pending;
      pending = 0;
    }
  }
}
