package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.ChangeRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's settle step (docs/incremental.md) as the usual deployment runs it: the worker reads
 * as a role of its own, which is no superuser and lacks pg_read_all_stats, while the application
 * writes as another. Real PostgreSQL at 127.0.0.1:5432 (trust), database {@code test}.
 */
class PostgresSettleIT {
  private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  private static final String SUFFIX = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private static final String SCHEMA = "sbsettle_" + SUFFIX;
  private static final String READER = "sbreader_" + SUFFIX;
  private static final String CLIENT = "acme";

  private static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "items",
          "items",
          "client_id",
          List.of("id"),
          "version",
          List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null,
          0);

  private static HikariDataSource readerPool;

  @BeforeAll
  static void createSource() throws SQLException {
    admin(
        "CREATE SCHEMA " + SCHEMA + ";"
            + "CREATE TABLE " + SCHEMA + ".items (client_id text NOT NULL, id bigint NOT NULL, version bigint NOT NULL,"
            + " PRIMARY KEY (client_id, id));"
            + "CREATE ROLE " + READER + " LOGIN;"
            + "GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + READER + ";"
            + "GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO " + READER + ";"
            + "INSERT INTO " + SCHEMA + ".items VALUES ('acme', 1, 1);");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(
        "jdbc:postgresql://127.0.0.1:5432/test?user=" + READER + "&connectTimeout=5&currentSchema=" + SCHEMA);
    config.setMaximumPoolSize(2);
    config.setPoolName("settle-it");
    readerPool = new HikariDataSource(config);
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (readerPool != null) {
      readerPool.close();
    }
    admin("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE; DROP ROLE IF EXISTS " + READER);
  }

  private static void admin(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void aRowAnotherRolesOpenTransactionHeldDuringAChangeReadIsReadByTheNextOne() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(readerPool, "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ofSeconds(1)));
    List<Long> read = new ArrayList<>();
    long watermark;
    try (Connection writer = DriverManager.getConnection(ADMIN_URL);
        Statement statement = writer.createStatement()) {
      // The application's transaction takes version 2 and stays open while version 3 commits.
      writer.setAutoCommit(false);
      statement.execute("INSERT INTO " + SCHEMA + ".items VALUES ('acme', 2, 2)");
      admin("INSERT INTO " + SCHEMA + ".items VALUES ('acme', 3, 3)");

      try (ChangeRead changes = source.readChanges(TARGET, CLIENT, 1)) {
        read.addAll(ids(changes.upserts()));
        watermark = changes.watermark();
      }
      writer.commit();
    }
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      read.addAll(ids(changes.upserts()));
    }

    // The reader cannot see the writer's backend_type (pg_stat_activity hides it from other
    // roles): row 2 must still be read, now or by the next sync, never skipped for good.
    assertThat(read).contains(2L, 3L);
    assertThat(watermark).isLessThan(2);
  }

  private static List<Long> ids(ResultSet rows) throws SQLException {
    List<Long> ids = new ArrayList<>();
    while (rows.next()) {
      ids.add(rows.getLong(1));
    }
    return ids;
  }
}
