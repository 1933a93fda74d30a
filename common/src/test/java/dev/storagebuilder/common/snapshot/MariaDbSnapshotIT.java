package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

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

  /**
   * Without NO_ZERO_DATE in sql_mode MariaDB stores '0000-00-00', which its driver reads as null
   * (wasNull() true), and '2020-00-00', which it cannot read as a LocalDate at all.
   */
  @Test
  void zeroDatesAreRejectedNamingTheColumnInsteadOfStoredAsNull() throws Exception {
    String table = "sb_zero_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    TargetDeclaration target =
        new TargetDeclaration(
            "dates",
            table,
            "client_id",
            List.of("id"),
            "id",
            List.of(
                ColumnDeclaration.of("id", ColumnType.INT64, false),
                ColumnDeclaration.of("d", ColumnType.DATE, true),
                ColumnDeclaration.of("t", ColumnType.TIMESTAMP, true),
                ColumnDeclaration.of("required", ColumnType.DATE, false)),
            null,
            0);
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute("SET SESSION sql_mode = ''");
      statement.execute(
          "CREATE TABLE "
              + table
              + " (id BIGINT PRIMARY KEY, d DATE, t DATETIME(6), required DATE NOT NULL)");
      try {
        statement.execute(
            "INSERT INTO "
                + table
                + " VALUES (1, '2020-01-02', '2020-01-02 03:04:05.123456', '2020-01-02'),"
                + " (2, NULL, NULL, '2020-01-02'),"
                + " (3, '0000-00-00', '2020-01-02 00:00:00', '2020-01-02'),"
                + " (4, NULL, '0000-00-00 00:00:00', '2020-01-02'),"
                + " (5, NULL, NULL, '0000-00-00'),"
                + " (6, '2020-00-00', NULL, '2020-01-02'),"
                + " (7, NULL, '2020-02-00 00:00:00', '2020-01-02')");
        try (SnapshotWriter writer =
                SnapshotWriter.open(
                    target,
                    SnapshotKind.BASE,
                    new InMemoryObjectStore().create("f"),
                    SnapshotWriterOptions.defaults());
            ResultSet rs =
                statement.executeQuery("SELECT id, d, t, required FROM " + table + " ORDER BY id")) {
          JdbcValues values = JdbcValues.of(target);
          rs.next();
          assertThat(values.read(rs))
              .containsExactly(
                  1L,
                  LocalDate.of(2020, 1, 2),
                  LocalDateTime.of(2020, 1, 2, 3, 4, 5, 123_456_000).toInstant(ZoneOffset.UTC),
                  LocalDate.of(2020, 1, 2));
          rs.next();
          assertThat(values.read(rs)).containsExactly(2L, null, null, LocalDate.of(2020, 1, 2));
          for (String[] zero :
              new String[][] {
                {"d", "0000-00-00"},
                {"t", "0000-00-00 00:00:00"},
                {"required", "0000-00-00"},
                {"d", "2020-00-00"},
                {"t", "2020-02-00 00:00:00"}
              }) {
            rs.next();
            assertThatThrownBy(() -> values.read(rs))
                .as("row %d", rs.getLong(1))
                .isInstanceOf(SnapshotDataException.class)
                .hasMessageContaining("target 'dates': column '" + zero[0] + "'")
                .hasMessageContaining("zero or invalid date '" + zero[1])
                .hasMessageContaining("cannot be stored");
            assertThatThrownBy(() -> writer.writeRow(rs))
                .as("row %d", rs.getLong(1))
                .isInstanceOf(SnapshotDataException.class)
                .hasMessageContaining("column '" + zero[0] + "'");
          }
          assertThat(rs.next()).isFalse();
        }
      } finally {
        statement.execute("DROP TABLE " + table);
      }
    }
  }
}
