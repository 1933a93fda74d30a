package dev.storagebuilder.common.target;

import com.fasterxml.jackson.annotation.JsonInclude;
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

  public ColumnDeclaration {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "column name must be an SQL identifier ([A-Za-z_][A-Za-z0-9_]*), got '" + name + "'");
    }
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

  public static ColumnDeclaration of(String name, ColumnType type, boolean nullable) {
    return new ColumnDeclaration(name, type, nullable, null, null);
  }

  public static ColumnDeclaration decimal(String name, int precision, int scale, boolean nullable) {
    return new ColumnDeclaration(name, ColumnType.DECIMAL, nullable, precision, scale);
  }
}
