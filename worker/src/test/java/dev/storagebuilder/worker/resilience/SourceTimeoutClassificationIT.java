package dev.storagebuilder.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The errors a real PostgreSQL and MariaDB answer when a read outlives a server-side timeout or
 * waits behind a lock (a DBA's statement_timeout on the reader's role, a migration's ALTER TABLE):
 * the source is busy, not the target broken, so a later delivery can succeed.
 */
class SourceTimeoutClassificationIT {
  private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  private static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000";

  private final DefaultFailureClassifier classifier = new DefaultFailureClassifier();

  @Test
  void aPostgresStatementTimeoutIsRetryable() throws SQLException {
    try (Connection connection = DriverManager.getConnection(POSTGRES);
        Statement sql = connection.createStatement()) {
      sql.execute("SET statement_timeout = '50ms'");
      SQLException timedOut = assertThrows(SQLException.class, () -> sql.execute("SELECT pg_sleep(5)"));

      assertThat(timedOut.getSQLState()).isEqualTo("57014");
      assertRetryable(timedOut, "statement timeout");
    }
  }

  @Test
  void aPostgresLockTimeoutBehindAMigrationIsRetryable() throws SQLException {
    try (Connection migration = DriverManager.getConnection(POSTGRES);
        Connection reader = DriverManager.getConnection(POSTGRES);
        Statement ddl = migration.createStatement();
        Statement read = reader.createStatement()) {
      ddl.execute("DROP TABLE IF EXISTS classifier_lock_probe");
      ddl.execute("CREATE TABLE classifier_lock_probe (id int)");
      migration.setAutoCommit(false);
      ddl.execute("LOCK TABLE classifier_lock_probe IN ACCESS EXCLUSIVE MODE");
      try {
        read.execute("SET lock_timeout = '50ms'");
        SQLException locked =
            assertThrows(SQLException.class, () -> read.execute("SELECT count(*) FROM classifier_lock_probe"));

        assertThat(locked.getSQLState()).isEqualTo("55P03");
        assertRetryable(locked, "lock timeout");
      } finally {
        migration.rollback();
        migration.setAutoCommit(true);
        ddl.execute("DROP TABLE IF EXISTS classifier_lock_probe");
      }
    }
  }

  @Test
  void aMariaDbMaxStatementTimeIsRetryable() throws SQLException {
    try (Connection connection = DriverManager.getConnection(MARIADB);
        Statement sql = connection.createStatement()) {
      sql.execute("SET SESSION max_statement_time = 0.05");
      SQLException timedOut = assertThrows(SQLException.class, () -> sql.executeQuery("SELECT SLEEP(5), 1 FROM DUAL"));

      assertRetryable(timedOut, "max_statement_time");
    }
  }

  private void assertRetryable(SQLException error, String what) {
    Failure failure = classifier.classify(error);
    assertThat(failure.retryable()).as(what + ": " + error + " (SQLSTATE " + error.getSQLState() + ", code "
        + error.getErrorCode() + ")").isTrue();
    assertThat(failure.reasonCode()).isEqualTo("source-unavailable");
  }
}
