package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;

/**
 * Rows as the tab-separated text that PostgreSQL's {@code COPY FROM STDIN} and MariaDB's {@code LOAD
 * DATA} both read: tab between columns, newline after a row, {@code \N} for NULL, and backslash
 * escapes ({@code \\ \t \n \r}, and {@code \0} for a NUL byte) inside text, encoded as UTF-8 straight
 * into one growing byte buffer. The two loaders differ only in booleans and binary columns ({@link
 * Flavor}). Timestamps are {@code yyyy-MM-dd HH:mm:ss.ffffff}; doubles use Java's shortest round-trip
 * form, which both servers parse back to the same bits.
 */
final class BulkTextEncoder {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  enum Flavor {
    /** Booleans {@code t}/{@code f}; bytea in its escaped hex form {@code \\x0a0b}. */
    POSTGRES_COPY,
    /** Booleans {@code 1}/{@code 0}; bytes as bare hex, stored by the statement with {@code UNHEX}. */
    MARIADB_LOAD_DATA
  }

  private final ColumnType[] types;
  private final Flavor flavor;
  private byte[] buffer;
  private int length;

  BulkTextEncoder(ColumnType[] types, Flavor flavor, int initialBytes) {
    this.types = types.clone();
    this.flavor = flavor;
    this.buffer = new byte[initialBytes];
  }

  void encode(Object[] row) {
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
        case BOOLEAN -> put(booleanByte((Boolean) value));
        case INT32, INT64 -> ascii(value.toString());
        case DOUBLE -> ascii(Double.toString((Double) value));
        case DECIMAL -> ascii(((BigDecimal) value).toPlainString());
        case STRING -> text((String) value);
        case DATE -> ascii(((LocalDate) value).toString());
        case TIMESTAMP -> timestamp((LocalDateTime) value);
        case BYTES -> bytes((byte[]) value);
      }
    }
    put((byte) '\n');
  }

  byte[] buffer() {
    return buffer;
  }

  int length() {
    return length;
  }

  void clear() {
    length = 0;
  }

  private byte booleanByte(boolean value) {
    return switch (flavor) {
      case POSTGRES_COPY -> value ? (byte) 't' : (byte) 'f';
      case MARIADB_LOAD_DATA -> value ? (byte) '1' : (byte) '0';
    };
  }

  private void bytes(byte[] value) {
    ensure(3 + value.length * 2);
    if (flavor == Flavor.POSTGRES_COPY) {
      buffer[length++] = '\\';
      buffer[length++] = '\\';
      buffer[length++] = 'x';
    }
    for (byte b : value) {
      buffer[length++] = HEX[(b >> 4) & 0xF];
      buffer[length++] = HEX[b & 0xF];
    }
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

  private void text(String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    ensure(utf8.length * 2);
    for (byte b : utf8) {
      byte escaped =
          switch (b) {
            case '\\' -> '\\';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case 0 -> '0';
            default -> -1;
          };
      if (escaped == -1) {
        buffer[length++] = b;
      } else {
        buffer[length++] = '\\';
        buffer[length++] = escaped;
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
}
