package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * The JDBC contract on a real MariaDB: 127.0.0.1:3306, user root without password, database {@code
 * test} (overridable with -Dsb.test.mariadb.url). Fails, never skips, when it is not up. MariaDB
 * has no time-zone-aware type holding dates before 1970, so both variants use DATETIME(6).
 */
class MariaDbSnapshotIT extends JdbcSnapshotContract {
  private static final String URL =
      System.getProperty("sb.test.mariadb.url", "jdbc:mariadb://127.0.0.1:3306/test?user=root");

  @Override
  protected Connection connect() throws SQLException {
    try {
      return DriverManager.getConnection(URL);
    } catch (SQLException e) {
      return fail(
          "MariaDB is not reachable at "
              + URL
              + " ("
              + e.getMessage()
              + "). Start it with 'start-stop-daemon --start --oknodo --background --exec"
              + " /usr/sbin/mariadbd' (.ci/run starts it in CI).",
          e);
    }
  }

  @Override
  protected List<String> sqlTypes(boolean timestampWithTimeZone) {
    return List.of(
        "BIGINT",
        "BOOLEAN",
        "INT",
        "BIGINT",
        "DOUBLE",
        "DECIMAL(18,4)",
        "DECIMAL(5,2)",
        "DECIMAL(38,10)",
        "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "DATE",
        "DATETIME(6)",
        "LONGBLOB",
        "BIGINT");
  }

  @Override
  protected String quote(String column) {
    return "`" + column + "`";
  }

  /** MariaDB DOUBLE holds no NaN or infinities, and stores -0.0 as 0.0. */
  @Override
  protected Object[] storable(Object[] row) {
    if (row[4] instanceof Double d && (d.isNaN() || d.isInfinite() || d == 0.0)) {
      return replace(row, 4, d == 0.0 ? 0.0 : 1.5);
    }
    return row;
  }
}
