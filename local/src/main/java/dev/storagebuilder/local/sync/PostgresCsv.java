package dev.storagebuilder.local.sync;

import dev.storagebuilder.common.target.ColumnDeclaration;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Rows as PostgreSQL's {@code COPY ... TO STDOUT (FORMAT csv)} writes the same values (session time
 * zone UTC, timestamps without time zone), so {@code snapshot cat} can be diffed against {@code psql
 * \copy}: null is an empty unquoted field, an empty string is {@code ""}, text is quoted when it
 * holds a comma, quote, CR or LF; booleans {@code t}/{@code f}; doubles in the shortest form with
 * PostgreSQL's exponent rule; bytes as {@code \x} hex.
 */
public final class PostgresCsv {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private PostgresCsv() {}

  public static String line(List<ColumnDeclaration> columns, Object[] row) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      Object value = row[i];
      if (value == null) {
        continue;
      }
      String text = text(value);
      if (value instanceof String) {
        line.append(quoteIfNeeded(text));
      } else {
        line.append(text);
      }
    }
    return line.toString();
  }

  /** The value as PostgreSQL's text output would show it. */
  public static String text(Object value) {
    return switch (value) {
      case String s -> s;
      case Boolean b -> b ? "t" : "f";
      case Double d -> doubleText(d);
      case Float f -> doubleText(f.doubleValue());
      case BigDecimal d -> d.toPlainString();
      case Instant t -> timestamp(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
      case LocalDateTime t -> timestamp(t);
      case LocalDate d -> d.toString();
      case byte[] bytes -> "\\x" + HexFormat.of().formatHex(bytes);
      default -> value.toString();
    };
  }

  private static String timestamp(LocalDateTime time) {
    String text = time.format(SECONDS);
    int micros = time.getNano() / 1_000;
    if (micros == 0) {
      return text;
    }
    String fraction = String.format(Locale.ROOT, "%06d", micros).replaceAll("0+$", "");
    return text + "." + fraction;
  }

  static String doubleText(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    // Double.toString is the shortest round-trip form (JDK 19+), as PostgreSQL 12+ prints.
    BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = exact.precision() - exact.scale() - 1;
    if (exponent < -4 || exponent >= 15) {
      String digits = exact.unscaledValue().abs().toString();
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String sign = d < 0 ? "-" : "";
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
    }
    return exact.toPlainString();
  }

  private static String quoteIfNeeded(String text) {
    boolean quote = text.isEmpty() || text.equals("\\.");
    for (int i = 0; i < text.length() && !quote; i++) {
      char c = text.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
  }
}
