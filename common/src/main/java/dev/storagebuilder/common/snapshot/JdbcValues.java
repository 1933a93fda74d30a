package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Reads source rows over JDBC as the snapshot writer sees them: the same getters, the same
 * conversions (decimals at the declared scale, timestamps to microseconds in UTC, ...), as Java
 * values of the types documented on ColumnType. {@code verify} compares these with what {@link
 * SnapshotReader} returns, and {@link RowChecksum} gives both the same hash.
 *
 * <p>TIMESTAMP columns: a source type WITH TIME ZONE (by JDBC type or type name, e.g. PostgreSQL
 * timestamptz) is read as {@code OffsetDateTime}; any other is read as {@code LocalDateTime} and
 * taken as UTC. MariaDB/MySQL TIMESTAMP columns are converted to the session time zone by the
 * server, so connect with a UTC session time zone.
 *
 * <p>One instance per result set loop (it caches per-column decisions); not thread-safe.
 */
public final class JdbcValues {
  private final RowBuffer buffer;

  private JdbcValues(String target, List<ColumnDeclaration> columns) {
    this.buffer = new RowBuffer(target, columns, List.of());
  }

  public static JdbcValues of(TargetDeclaration target) {
    return new JdbcValues(target.name(), target.columns());
  }

  public static JdbcValues of(List<ColumnDeclaration> columns) {
    return new JdbcValues("jdbc", columns);
  }

  /**
   * One row: the current row of {@code rs}, columns 1..n in {@code target.columns()} order. A
   * convenience for single rows; loops over a result set should reuse {@link
   * #of(TargetDeclaration)}.
   */
  public static Object[] read(ResultSet rs, TargetDeclaration target) throws SQLException {
    return of(target).read(rs);
  }

  /**
   * The current row of {@code rs}, columns 1..n in declaration order. Throws {@link
   * SnapshotDataException} for values the writer would reject too.
   */
  public Object[] read(ResultSet rs) throws SQLException {
    buffer.loadFromResultSet(rs);
    return buffer.toValues();
  }
}
