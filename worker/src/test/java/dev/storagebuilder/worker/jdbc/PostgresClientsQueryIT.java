package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's clients query against a clients table another session holds locked (a migration's
 * ALTER TABLE, or one queued behind a long transaction). Real PostgreSQL at 127.0.0.1:5432 (trust).
 */
class PostgresClientsQueryIT {
  /** The production timeout is 30 s; the test waits out a shorter one. */
  private static final int TIMEOUT_SECONDS = 2;

  private static PostgresTestSchema schema;

  @BeforeAll
  static void createSource() throws SQLException {
    schema = PostgresTestSchema.create("sbclients_", 2);
    schema.admin("CREATE TABLE clients (id text); INSERT INTO clients VALUES ('acme')");
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (schema != null) {
      schema.close();
    }
  }

  @Test
  void aClientsQueryBlockedByALockFailsRetryablyInsteadOfHoldingEveryTargetForever() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(schema.pool(), "SELECT id FROM clients", 100, Clock.systemUTC(), ChangeReadSettings.defaults(), true, TIMEOUT_SECONDS);
    CompletableFuture<Boolean> exists;
    try (Connection migration = DriverManager.getConnection(PostgresTestSchema.ADMIN_URL);
        Statement statement = migration.createStatement()) {
      migration.setAutoCommit(false);
      statement.execute("LOCK TABLE " + schema.name() + ".clients IN ACCESS EXCLUSIVE MODE");

      exists =
          CompletableFuture.supplyAsync(() -> {
            try {
              return source.clientExists("acme");
            } catch (SQLException e) {
              throw new java.util.concurrent.CompletionException(e);
            }
          });
      // clientExists holds the source's monitor: every target of the worker waits behind it.
      await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS + 15)).until(exists::isDone);
      migration.rollback();
    }
    Throwable failure = exists.handle((ok, e) -> e == null ? null : e.getCause()).join();
    assertThat(failure).isInstanceOf(SQLException.class).hasMessageContaining("clients query");
    Failure classified = new DefaultFailureClassifier().classify(failure);
    assertThat(classified.retryable()).as(classified.detail()).isTrue();
    // The lock gone, the next message's check reads the clients again.
    assertThat(source.clientExists("acme")).isTrue();
  }
}
