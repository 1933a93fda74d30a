package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL: one {@code COPY table (columns) FROM STDIN} in the text format ({@link
 * BulkTextEncoder}), handed to the driver every {@value #FLUSH_BYTES} bytes.
 */
final class PostgresCopyWriter implements RowWriter {
  static final int FLUSH_BYTES = 1 << 16;

  private final CopyIn copy;
  private final BulkTextEncoder encoder;
  private long written;
  private boolean finished;

  /**
   * With {@code freshTable}, the table is truncated in the caller's transaction and the COPY uses
   * {@code FREEZE}: rows arrive already frozen, so the first full read does not rewrite every page
   * to set hint bits (which would distort the first sync's timing). Only for tables known to be
   * empty.
   */
  PostgresCopyWriter(
      Connection connection,
      String table,
      List<String> columns,
      List<ColumnType> types,
      boolean freshTable)
      throws SQLException {
    this.encoder =
        new BulkTextEncoder(types.toArray(ColumnType[]::new), BulkTextEncoder.Flavor.POSTGRES_COPY, FLUSH_BYTES + 1024);
    if (freshTable) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("TRUNCATE " + table);
      }
    }
    this.copy =
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY "
                    + table
                    + " ("
                    + String.join(", ", columns)
                    + ") FROM STDIN"
                    + (freshTable ? " (FREEZE)" : ""));
  }

  @Override
  public void write(Object[] row) throws SQLException {
    encoder.encode(row);
    written++;
    if (encoder.length() >= FLUSH_BYTES) {
      flush();
    }
  }

  @Override
  public long finish() throws SQLException {
    flush();
    long copied = copy.endCopy();
    finished = true;
    if (copied != written) {
      throw new SQLException("COPY reported " + copied + " rows, " + written + " were sent");
    }
    return written;
  }

  @Override
  public void close() throws SQLException {
    if (!finished && copy.isActive()) {
      copy.cancelCopy();
    }
  }

  private void flush() throws SQLException {
    if (encoder.length() > 0) {
      copy.writeToCopy(encoder.buffer(), 0, encoder.length());
      encoder.clear();
    }
  }
}
