package dev.storagebuilder.common.snapshot;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;

/**
 * Reads a DATE or TIMESTAMP value over JDBC, refusing the dates MariaDB and MySQL accept when
 * sql_mode lacks NO_ZERO_DATE / NO_ZERO_IN_DATE. Their drivers return a zero date ('0000-00-00')
 * from {@code getObject(LocalDate/LocalDateTime)} as null with {@code wasNull()} set, which would
 * store a value as NULL, and throw {@link DateTimeException} for a zero month or day
 * ('2020-00-00'). Both become a permanent {@link SnapshotDataException}. The snapshot writer and
 * the worker's prefetching reader both read through here, so they reject alike.
 */
public final class JdbcTemporals {
  private JdbcTemporals() {}

  /**
   * {@code rs.getObject(index, type)}; null only for a SQL NULL. {@code target} and {@code column}
   * name the value in the rejection.
   */
  public static <T> T read(ResultSet rs, int index, Class<T> type, String target, String column)
      throws SQLException {
    T value;
    try {
      value = rs.getObject(index, type);
    } catch (DateTimeException e) {
      throw unstorable(target, column, rs.getString(index), e);
    }
    // Only a null pays for the second look: a SQL NULL has no text either, a zero date has.
    if (value == null) {
      String text = rs.getString(index);
      if (text != null) {
        throw unstorable(target, column, text, null);
      }
    }
    return value;
  }

  private static SnapshotDataException unstorable(
      String target, String column, String text, DateTimeException cause) {
    return new SnapshotDataException(
        "target '"
            + target
            + "': column '"
            + column
            + "' holds the zero or invalid date '"
            + text
            + "', which cannot be stored; make it NULL or a real date in the source (MariaDB and"
            + " MySQL accept such dates unless sql_mode has NO_ZERO_DATE and NO_ZERO_IN_DATE)",
        cause);
  }
}
