package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL: one {@code COPY table (columns) FROM STDIN} in the text format, encoded straight into
 * a UTF-8 byte buffer that is handed to the driver every {@value #FLUSH_BYTES} bytes.
 *
 * <p>Text format rules: columns separated by tab, rows by newline, NULL is {@code \N}; in a value,
 * backslash, newline, carriage return and tab are written as {@code \\ \n \r \t} (so a string that
 * reads {@code \N} arrives as itself, not as NULL). bytea goes in hex form, {@code \x0a0b}, whose
 * backslash is itself escaped. Timestamps are ISO {@code yyyy-MM-dd HH:mm:ss.ffffff}; doubles use
 * Java's shortest round-trip form, which PostgreSQL parses back to the same bits.
 */
final class PostgresCopyWriter implements RowWriter {
  static final int FLUSH_BYTES = 1 << 16;
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final CopyIn copy;
  private final ColumnType[] types;
  private byte[] buffer = new byte[FLUSH_BYTES + 1024];
  private int length;
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
    this.types = types.toArray(ColumnType[]::new);
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
        case BOOLEAN -> put((Boolean) value ? (byte) 't' : (byte) 'f');
        case INT32, INT64 -> ascii(value.toString());
        case DOUBLE -> ascii(Double.toString((Double) value));
        case DECIMAL -> ascii(((BigDecimal) value).toPlainString());
        case STRING -> text((String) value);
        case DATE -> ascii(((LocalDate) value).toString());
        case TIMESTAMP -> timestamp((LocalDateTime) value);
        case BYTES -> bytea((byte[]) value);
      }
    }
    put((byte) '\n');
    written++;
    if (length >= FLUSH_BYTES) {
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
    if (length > 0) {
      copy.writeToCopy(buffer, 0, length);
      length = 0;
    }
  }

  private void ensure(int extra) {
    if (length + extra > buffer.length) {
      buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
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

  /** UTF-8 with the text format's escapes. */
  private void text(String value) {
    ensure(value.length() * 3 + 2);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        switch (c) {
          case '\\' -> {
            buffer[length++] = '\\';
            buffer[length++] = '\\';
          }
          case '\n' -> {
            buffer[length++] = '\\';
            buffer[length++] = 'n';
          }
          case '\r' -> {
            buffer[length++] = '\\';
            buffer[length++] = 'r';
          }
          case '\t' -> {
            buffer[length++] = '\\';
            buffer[length++] = 't';
          }
          default -> buffer[length++] = (byte) c;
        }
      } else if (c < 0x800) {
        buffer[length++] = (byte) (0xC0 | (c >> 6));
        buffer[length++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        int codePoint = Character.toCodePoint(c, value.charAt(++i));
        buffer[length++] = (byte) (0xF0 | (codePoint >> 18));
        buffer[length++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
        buffer[length++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
        buffer[length++] = (byte) (0x80 | (codePoint & 0x3F));
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("unpaired surrogate in a generated string");
      } else {
        buffer[length++] = (byte) (0xE0 | (c >> 12));
        buffer[length++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buffer[length++] = (byte) (0x80 | (c & 0x3F));
      }
    }
  }

  private void timestamp(LocalDateTime value) {
    ensure(26);
    digits(value.getYear(), 4);
    buffer[length++] = '-';
    digits(value.getMonthValue(), 2);
    buffer[length++] = '-';
    digits(value.getDayOfMonth(), 2);
    buffer[length++] = ' ';
    digits(value.getHour(), 2);
    buffer[length++] = ':';
    digits(value.getMinute(), 2);
    buffer[length++] = ':';
    digits(value.getSecond(), 2);
    buffer[length++] = '.';
    digits(value.getNano() / 1000, 6);
  }

  private void digits(int value, int width) {
    for (int i = width - 1; i >= 0; i--) {
      buffer[length + i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length += width;
  }

  private void bytea(byte[] value) {
    ensure(3 + value.length * 2);
    buffer[length++] = '\\';
    buffer[length++] = '\\';
    buffer[length++] = 'x';
    for (byte b : value) {
      buffer[length++] = HEX[(b >> 4) & 0xF];
      buffer[length++] = HEX[b & 0xF];
    }
  }
}
