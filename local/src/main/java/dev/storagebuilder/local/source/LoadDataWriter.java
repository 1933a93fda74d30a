package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * MariaDB: {@code LOAD DATA LOCAL INFILE} fed from memory, one statement per {@value #CHUNK_BYTES}
 * bytes of rows (so memory stays bounded and no file is written), all in the caller's transaction.
 *
 * <p>The format is MariaDB's default for LOAD DATA ({@link BulkTextEncoder}). Binary columns travel
 * as hex into a user variable and are stored with {@code UNHEX}, so no byte needs escaping or
 * charset conversion; text is declared utf8mb4.
 *
 * <p>Needs the server's {@code local_infile} and the driver's {@code allowLocalInfile} (both
 * default on); {@link #isAvailable} checks both, and the load falls back to multi-row INSERTs
 * otherwise.
 */
final class LoadDataWriter implements RowWriter {
  static final int CHUNK_BYTES = 8 << 20;

  private final Connection connection;
  private final String sql;
  private final BulkTextEncoder encoder;
  private long pendingRows;
  private long written;

  LoadDataWriter(
      Connection connection, String table, List<String> columns, List<ColumnType> types) {
    this.connection = connection;
    ColumnType[] columnTypes = types.toArray(ColumnType[]::new);
    this.encoder = new BulkTextEncoder(columnTypes, BulkTextEncoder.Flavor.MARIADB_LOAD_DATA, CHUNK_BYTES + 64 * 1024);
    List<String> targets = new ArrayList<>();
    List<String> assignments = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (columnTypes[i] == ColumnType.BYTES) {
        targets.add("@" + columns.get(i));
        assignments.add(columns.get(i) + " = UNHEX(@" + columns.get(i) + ")");
      } else {
        targets.add(columns.get(i));
      }
    }
    this.sql =
        "LOAD DATA LOCAL INFILE 'rows.tsv' INTO TABLE "
            + table
            + " CHARACTER SET utf8mb4"
            + " FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ("
            + String.join(", ", targets)
            + ")"
            + (assignments.isEmpty() ? "" : " SET " + String.join(", ", assignments));
  }

  /** Whether both the driver (MariaDB Connector/J) and the server accept LOAD DATA LOCAL. */
  static boolean isAvailable(Connection connection) throws SQLException {
    if (!connection.isWrapperFor(org.mariadb.jdbc.Connection.class)
        || !connection
            .unwrap(org.mariadb.jdbc.Connection.class)
            .getContext()
            .getConf()
            .allowLocalInfile()) {
      return false;
    }
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT @@GLOBAL.local_infile")) {
      return result.next() && result.getInt(1) == 1;
    }
  }

  @Override
  public void write(Object[] row) throws SQLException {
    encoder.encode(row);
    pendingRows++;
    if (encoder.length() >= CHUNK_BYTES) {
      flush();
    }
  }

  @Override
  public long finish() throws SQLException {
    flush();
    return written;
  }

  @Override
  public void close() {
    encoder.clear();
  }

  private void flush() throws SQLException {
    if (pendingRows == 0) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement
          .unwrap(org.mariadb.jdbc.Statement.class)
          .setLocalInfileInputStream(new ByteArrayInputStream(encoder.buffer(), 0, encoder.length()));
      long loaded = statement.executeLargeUpdate(sql);
      if (loaded != pendingRows) {
        throw new SQLException(
            "LOAD DATA stored "
                + loaded
                + " of "
                + pendingRows
                + " rows (warnings: "
                + statement.getWarnings()
                + ")");
      }
    }
    written += pendingRows;
    pendingRows = 0;
    encoder.clear();
  }
}
