package dev.storagebuilder.worker.jdbc;

import static dev.storagebuilder.worker.jdbc.LabelledItems.CLIENT;
import static dev.storagebuilder.worker.jdbc.LabelledItems.TARGET;
import static dev.storagebuilder.worker.jdbc.LabelledItems.changed;
import static dev.storagebuilder.worker.jdbc.LabelledItems.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL source written by a background worker: pg_cron running its jobs in background
 * workers ({@code cron.use_background_workers}), as TimescaleDB's jobs and other extensions' do.
 * Such a session is not a client backend, yet its transaction takes a version and commits later
 * like any writer's. A server of its own ({@link PostgresStandbyPair#primaryOnly}) with pg_cron
 * preloaded; skipped where pg_cron is not installed ({@code .ci/run} installs Debian's
 * {@code postgresql-15-cron}). pg_cron 1.4 starts jobs on the minute, so the test waits up to a
 * minute for its job.
 */
class PostgresBackgroundWorkerIT {
  /** The job takes a version, then holds its transaction open this long before it commits. */
  private static final int JOB_SECONDS = 5;

  private static OwnItemsServer server;

  @BeforeAll
  static void startServer() throws Exception {
    Assumptions.assumeTrue(PostgresStandbyPair.hasLibrary("pg_cron"),
        "pg_cron is not installed (apt-get install postgresql-<version>-cron)");
    server = OwnItemsServer.primary("-c shared_preload_libraries=pg_cron -c cron.database_name=postgres"
        + " -c cron.use_background_workers=on -c max_worker_processes=16", "background-worker-it");
    sql("CREATE EXTENSION pg_cron");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRowABackgroundWorkerCommitsAfterAChangeReadIsReadByTheNextOne() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(server.pool(), "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ofSeconds(30)));
    write(1, "before");
    TreeMap<Long, String> synced;
    long watermark;
    try (SourceRead base = source.readAll(TARGET, CLIENT)) {
      synced = rows(base.rows());
      watermark = base.watermark();
    }

    // One statement, one transaction: the version is taken first, the row commits after the sleep.
    sql("SELECT cron.schedule('sb-held', '* * * * *', $$WITH v AS (SELECT nextval('versions') AS n)"
        + " INSERT INTO items SELECT 'acme', 2, 'held', v.n FROM v, LATERAL (SELECT pg_sleep(" + JOB_SECONDS
        + ")) s$$)");
    await("pg_cron's job holding its version").atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofMillis(100))
        .until(() -> jobsSleeping() > 0);
    sql("SELECT cron.unschedule('sb-held')");
    write(3, "meanwhile");
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      synced.putAll(changed(changes));
      watermark = changes.watermark();
    }
    await("pg_cron's job").atMost(Duration.ofSeconds(JOB_SECONDS * 3L)).until(() -> jobsSleeping() == 0);
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      synced.putAll(changed(changes));
    }

    try (SourceRead full = source.readAll(TARGET, CLIENT)) {
      assertThat(synced).isEqualTo(rows(full.rows())).containsEntry(2L, "held");
    }
  }

  /** Background workers (not client backends) sleeping inside the job. */
  private static int jobsSleeping() throws SQLException {
    try (Connection connection = DriverManager.getConnection(server.primaryUrl());
        Statement sql = connection.createStatement();
        ResultSet result = sql.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE wait_event = 'PgSleep' AND backend_type <> 'client backend'")) {
      result.next();
      return result.getInt(1);
    }
  }

  private static void sql(String statement) throws SQLException {
    try (Connection connection = DriverManager.getConnection(server.primaryUrl());
        Statement sql = connection.createStatement()) {
      sql.execute(statement);
    }
  }

  private static void write(long id, String label) throws SQLException {
    LabelledItems.write(server.primaryUrl(), id, label);
  }
}
