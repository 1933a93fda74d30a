package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MariaDB: {@code LOAD DATA LOCAL INFILE} fed from memory, one statement per {@value #CHUNK_BYTES}
 * bytes of rows (so memory stays bounded and no file is written), all in the caller's transaction.
 *
 * <p>The format is MariaDB's default for LOAD DATA: tab-separated, newline-terminated, backslash
 * escapes ({@code \\ \t \n \r \0}, NULL as {@code \N}). Binary columns travel as hex into a user
 * variable and are stored with {@code UNHEX}, so no byte needs escaping or charset conversion; text
 * is declared utf8mb4. Booleans are 1/0, timestamps {@code yyyy-MM-dd HH:mm:ss.ffffff}.
 *
 * <p>Needs the server's {@code local_infile} and the driver's {@code allowLocalInfile} (both
 * default on); {@link #isAvailable} checks both, and the load falls back to multi-row INSERTs
 * otherwise.
 */
final class LoadDataWriter implements RowWriter {
  static final int CHUNK_BYTES = 8 << 20;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

  private final Connection connection;
  private final String sql;
  private final ColumnType[] types;
  private byte[] buffer = new byte[CHUNK_BYTES + 64 * 1024];
  private int length;
  private long pendingRows;
  private long written;

  LoadDataWriter(
      Connection connection, String table, List<String> columns, List<ColumnType> types) {
    this.connection = connection;
    this.types = types.toArray(ColumnType[]::new);
    List<String> targets = new ArrayList<>();
    List<String> assignments = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (this.types[i] == ColumnType.BYTES) {
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
    for (int i = 0; i < types.length; i++) {
      if (i > 0) {
        put((byte) '\t');
      }
      Object value = row[i];
      if (value == null) {
        put((byte) '\\');
        put((byte) 'N');
        continue;
      }
      switch (types[i]) {
        case BOOLEAN -> put((Boolean) value ? (byte) '1' : (byte) '0');
        case INT32, INT64 -> ascii(value.toString());
        case DOUBLE -> ascii(Double.toString((Double) value));
        case DECIMAL -> ascii(((BigDecimal) value).toPlainString());
        case STRING -> text((String) value);
        case DATE -> ascii(((LocalDate) value).toString());
        case TIMESTAMP -> ascii(TIMESTAMP.format((LocalDateTime) value));
        case BYTES -> hex((byte[]) value);
      }
    }
    put((byte) '\n');
    pendingRows++;
    if (length >= CHUNK_BYTES) {
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
    length = 0;
  }

  private void flush() throws SQLException {
    if (pendingRows == 0) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement
          .unwrap(org.mariadb.jdbc.Statement.class)
          .setLocalInfileInputStream(new ByteArrayInputStream(buffer, 0, length));
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
    length = 0;
  }

  private void ensure(int extra) {
    if (length + extra > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
    }
  }

  private void put(byte b) {
    ensure(1);
    buffer[length++] = b;
  }

  private void ascii(String value) {
    ensure(value.length());
    for (int i = 0; i < value.length(); i++) {
      buffer[length++] = (byte) value.charAt(i);
    }
  }

  private void hex(byte[] value) {
    ensure(value.length * 2);
    for (byte b : value) {
      buffer[length++] = HEX[(b >> 4) & 0xF];
      buffer[length++] = HEX[b & 0xF];
    }
  }

  private void text(String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    ensure(utf8.length * 2);
    for (byte b : utf8) {
      switch (b) {
        case '\\' -> {
          buffer[length++] = '\\';
          buffer[length++] = '\\';
        }
        case '\t' -> {
          buffer[length++] = '\\';
          buffer[length++] = 't';
        }
        case '\n' -> {
          buffer[length++] = '\\';
          buffer[length++] = 'n';
        }
        case '\r' -> {
          buffer[length++] = '\\';
          buffer[length++] = 'r';
        }
        case 0 -> {
          buffer[length++] = '\\';
          buffer[length++] = '0';
        }
        default -> buffer[length++] = b;
      }
    }
  }
}
