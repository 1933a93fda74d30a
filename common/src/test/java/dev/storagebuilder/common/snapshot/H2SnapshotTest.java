package dev.storagebuilder.common.snapshot;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/** The JDBC contract on H2 (in memory): the demo's source database. */
class H2SnapshotTest extends JdbcSnapshotContract {
  @Override
  protected Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:h2:mem:snapshot_" + System.nanoTime() + ";DB_CLOSE_DELAY=0");
  }

  @Override
  protected List<String> sqlTypes(boolean timestampWithTimeZone) {
    return List.of(
        "BIGINT",
        "BOOLEAN",
        "INTEGER",
        "BIGINT",
        "DOUBLE PRECISION",
        "NUMERIC(18,4)",
        "NUMERIC(5,2)",
        "NUMERIC(38,10)",
        "CHARACTER VARYING",
        "DATE",
        timestampWithTimeZone ? "TIMESTAMP(6) WITH TIME ZONE" : "TIMESTAMP(6)",
        "BINARY VARYING",
        "BIGINT");
  }

  /** H2 stores DOUBLE -0.0 as 0.0. */
  @Override
  protected Object[] storable(Object[] row) {
    return row[4] instanceof Double d && d == 0.0 ? replace(row, 4, 0.0) : row;
  }
}
