package dev.storagebuilder.common.target;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One declared column. {@code precision}/{@code scale} apply to DECIMAL only (precision 1..38).
 *
 * @param name the source column name (also the Parquet field name)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ColumnDeclaration(
    String name, ColumnType type, boolean nullable, Integer precision, Integer scale) {
  static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /**
   * Keywords that, unquoted as the worker's SQL has them, read as a session value or a constant in
   * one of the dialects rather than as a column of that name: PostgreSQL's {@code SELECT user FROM t}
   * gives the role for every row of a table with a (quoted) column "user", and {@code current_date}
   * today's date there and on MariaDB; the snapshot held that, silently.
   */
  private static final Set<String> VALUE_KEYWORDS =
      Set.of("user", "current_user", "session_user", "system_user", "current_role", "current_catalog",
          "current_schema", "current_path", "current_date", "current_time", "current_timestamp", "localtime",
          "localtimestamp", "utc_date", "utc_time", "utc_timestamp", "null", "true", "false", "rownum", "_rowid_");

  public ColumnDeclaration {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "column name must be an SQL identifier ([A-Za-z_][A-Za-z0-9_]*), got '" + name + "'");
    }
    requireColumnName("column name", name);
    if (type == null) {
      throw new IllegalArgumentException("column '" + name + "': type is missing");
    }
    if (type == ColumnType.DECIMAL) {
      if (precision == null || precision < 1 || precision > 38) {
        throw new IllegalArgumentException(
            "column '" + name + "': DECIMAL precision must be 1..38, got " + precision);
      }
      if (scale == null || scale < 0 || scale > precision) {
        throw new IllegalArgumentException(
            "column '" + name + "': DECIMAL scale must be 0.." + precision + ", got " + scale);
      }
    } else if (precision != null || scale != null) {
      throw new IllegalArgumentException(
          "column '" + name + "': precision/scale apply to DECIMAL only, not " + type);
    }
  }

  /** Refuses a column name that the worker's unquoted SQL would read as a value (see {@link #VALUE_KEYWORDS}). */
  static void requireColumnName(String what, String identifier) {
    if (identifier != null && VALUE_KEYWORDS.contains(identifier.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          what + " '" + identifier + "' is an SQL keyword that reads as a value, not as the column");
    }
  }

  public static ColumnDeclaration of(String name, ColumnType type, boolean nullable) {
    return new ColumnDeclaration(name, type, nullable, null, null);
  }

  public static ColumnDeclaration decimal(String name, int precision, int scale, boolean nullable) {
    return new ColumnDeclaration(name, ColumnType.DECIMAL, nullable, precision, scale);
  }
}
