package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A full read given up (its lease lost: the target's thread is interrupted) while PostgreSQL is
 * slow to produce the next rows. Real PostgreSQL at 127.0.0.1:5432 (trust), database {@code test}.
 */
class PostgresAbandonedReadIT {
  private static final String CLIENT = "slow";
  private static final int ROWS = 3_000;

  private static final List<ColumnDeclaration> KEY_AND_VERSION =
      List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false));

  /** Over a view whose rows past the 1,500th take a minute each to produce. */
  private static final TargetDeclaration SLOW =
      new TargetDeclaration(
          "slow",
          "slow",
          "client_id",
          List.of("id"),
          "version",
          List.of(KEY_AND_VERSION.get(0), KEY_AND_VERSION.get(1), ColumnDeclaration.of("payload", ColumnType.STRING, false)),
          null,
          0);

  private static final TargetDeclaration FAST =
      new TargetDeclaration("base", "base", "client_id", List.of("id"), "version", KEY_AND_VERSION, null, 0);

  private static PostgresTestSchema schema;
  private static HikariDataSource pool;

  @BeforeAll
  static void createSource() throws SQLException {
    schema = PostgresTestSchema.create("sbabandon_", 1);
    pool = schema.pool();
    schema.admin(
        "CREATE TABLE base (client_id text NOT NULL, id bigint NOT NULL, version bigint NOT NULL,"
            + " PRIMARY KEY (client_id, id));"
            + "INSERT INTO base SELECT 'slow', g, g FROM generate_series(1, " + ROWS + ") g;"
            // Declared immutable so the view is flattened: the version queries never call it.
            + "CREATE FUNCTION " + schema.name() + ".payload(id bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE AS"
            + " $$ BEGIN IF id > 1500 THEN PERFORM pg_sleep(60); END IF; RETURN 'x'; END $$;"
            + "CREATE VIEW slow AS SELECT client_id, id, version, " + schema.name() + ".payload(id) AS payload FROM base;");
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (schema != null) {
      // Whatever still runs over the view.
      schema.admin("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%FROM slow%'"
          + " AND pid <> pg_backend_pid() AND datname = current_database()");
      schema.close();
    }
  }

  @Test
  void aJdbcReadAbandonedWhileTheSourceIsSlowLetsGoOfItsThreadAndConnectionWithinSeconds() throws Exception {
    // A cursor fetched by the prefetch thread, as for any source type COPY does not decode.
    abandonWhileSlow(false);
  }

  @Test
  void aCopyReadAbandonedWhileTheSourceIsSlowLetsGoOfItsThreadAndConnectionWithinSeconds() throws Exception {
    abandonWhileSlow(true);
  }

  private static void abandonWhileSlow(boolean copy) throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(pool, "SELECT 'slow'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO), copy);
    AtomicLong seen = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread target =
        Thread.ofPlatform().name("abandoned-target").start(() -> {
          try (SourceRead read = source.readAll(SLOW, CLIENT)) {
            ResultSet rows = read.rows();
            while (rows.next()) {
              seen.incrementAndGet();
            }
          } catch (Throwable e) {
            failure.set(e);
          }
        });
    // It has the first batch and waits for the next, which the source takes minutes to produce.
    await().atMost(Duration.ofSeconds(30))
        .until(() -> seen.get() == PrefetchingResultSet.BATCH_ROWS && target.getState() == Thread.State.TIMED_WAITING);

    target.interrupt(); // what a lost lease does to the target's thread

    await().atMost(Duration.ofSeconds(15)).until(() -> !target.isAlive());
    assertThat(failure.get()).isInstanceOf(SQLException.class).hasMessage("interrupted while waiting for rows");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
    // The pool's one connection is fit for the next target.
    long rows = 0;
    try (SourceRead read = source.readAll(FAST, CLIENT)) {
      while (read.rows().next()) {
        rows++;
      }
    }
    assertThat(rows).isEqualTo(ROWS);
  }
}
