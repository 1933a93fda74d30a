package dev.storagebuilder.worker.jdbc;

import static dev.storagebuilder.worker.jdbc.LabelledItems.CLIENT;
import static dev.storagebuilder.worker.jdbc.LabelledItems.TARGET;
import static dev.storagebuilder.worker.jdbc.LabelledItems.insert;
import static dev.storagebuilder.worker.jdbc.LabelledItems.nextVersion;
import static dev.storagebuilder.worker.jdbc.LabelledItems.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The overlap window of MariaDB (docs/incremental.md): a transaction that commits before more than
 * {@code overlap} further versions have been handed out after its own is read by the next sync.
 * Real MariaDB at 127.0.0.1:3306 (root, no password); a database of its own.
 */
class MariaDbOverlapWindowIT {
  private static final String ADMIN_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000";
  private static final String DATABASE = "sboverlap_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private static final String URL = "jdbc:mariadb://127.0.0.1:3306/" + DATABASE + "?user=root&connectTimeout=5000";
  private static final long OVERLAP = 3;

  private static HikariDataSource pool;

  @BeforeAll
  static void createSource() throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE DATABASE " + DATABASE);
      sql.execute("CREATE SEQUENCE " + DATABASE + ".versions START WITH 1 INCREMENT BY 1 NOCACHE");
      sql.execute("CREATE TABLE " + DATABASE + ".items (client_id VARCHAR(32) NOT NULL, id BIGINT NOT NULL,"
          + " label VARCHAR(64) NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (client_id, id),"
          + " KEY items_version (client_id, version)) ENGINE=InnoDB");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(URL);
    config.setMaximumPoolSize(2);
    config.setPoolName("overlap-it");
    pool = new HikariDataSource(config);
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (pool != null) {
      pool.close();
    }
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement sql = connection.createStatement()) {
      sql.execute("DROP DATABASE IF EXISTS " + DATABASE);
    }
  }

  @Test
  void aTransactionThatCommitsWhenOverlapFurtherVersionsHaveBeenHandedOutIsReadByTheNextSync() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(pool, "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(OVERLAP, Duration.ZERO));
    write(1, "before");
    TreeMap<Long, String> synced;
    long watermark;
    try (SourceRead base = source.readAll(TARGET, CLIENT)) {
      synced = rows(base.rows());
      watermark = base.watermark();
    }

    try (Connection held = DriverManager.getConnection(URL)) {
      // The held transaction takes its version first; exactly OVERLAP further versions are handed
      // out and committed (no more) before it commits: within the documented guarantee.
      held.setAutoCommit(false);
      insert(held, 2, "held", nextVersion(held));
      for (long id = 3; id < 3 + OVERLAP; id++) {
        write(id, "meanwhile");
      }
      try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
        synced.putAll(rows(changes.upserts()));
        watermark = changes.watermark();
      }
      held.commit();
    }
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      synced.putAll(rows(changes.upserts()));
    }

    assertThat(synced).isEqualTo(rows(source.readAll(TARGET, CLIENT)));
    assertThat(synced).containsEntry(2L, "held");
  }

  private static void write(long id, String label) throws SQLException {
    LabelledItems.write(URL, id, label);

  }

}
