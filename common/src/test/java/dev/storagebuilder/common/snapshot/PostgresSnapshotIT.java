package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * The JDBC contract on a real PostgreSQL: 127.0.0.1:5432, user postgres, trust auth, database
 * {@code test} (overridable with -Dsb.test.postgres.url). Fails, never skips, when it is not up.
 */
class PostgresSnapshotIT extends JdbcSnapshotContract {
  private static final String URL =
      System.getProperty(
          "sb.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  @Override
  protected Connection connect() throws SQLException {
    try {
      return DriverManager.getConnection(URL);
    } catch (SQLException e) {
      return fail(
          "PostgreSQL is not reachable at "
              + URL
              + " ("
              + e.getMessage()
              + "). Start it with 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql)"
              + " main start' (.ci/run starts it in CI).",
          e);
    }
  }

  @Override
  protected List<String> sqlTypes(boolean timestampWithTimeZone) {
    return List.of(
        "bigint",
        "boolean",
        "integer",
        "bigint",
        "double precision",
        "numeric(18,4)",
        "numeric(5,2)",
        "numeric(38,10)",
        "text",
        "date",
        timestampWithTimeZone ? "timestamptz(6)" : "timestamp(6)",
        "bytea",
        "bigint");
  }

  /** PostgreSQL text cannot hold U+0000. */
  @Override
  protected Object[] storable(Object[] row) {
    return row[8] instanceof String text ? replace(row, 8, text.replace("\u0000", "")) : row;
  }
}
