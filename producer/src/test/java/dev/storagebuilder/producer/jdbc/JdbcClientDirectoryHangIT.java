package dev.storagebuilder.producer.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.testing.FreezingTcpProxy;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.producer.ServiceUnavailableException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The producer's clients query against PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306), db
 * {@code test}, through a proxy
 * that can stop passing bytes: a source that stops answering mid-query, as behind a network
 * partition, where no reset ever arrives and the query timeout's cancel cannot get an answer back.
 */
class JdbcClientDirectoryHangIT {
  private static final String DIRECT = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final String MARKER = "sb_clients_query_hang_probe";

  private FreezingTcpProxy proxy;
  private JdbcClientDirectory clients;

  @AfterEach
  void stop() {
    if (clients != null) {
      clients.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aSourceThatStopsAnsweringMidQueryFailsTheClientsQueryInsteadOfHoldingItForever()
      throws Exception {
    proxy = new FreezingTcpProxy(5432);
    SourceConfig source =
        new SourceConfig(
            "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test",
            "postgres",
            null,
            "SELECT 'c' || g || '' FROM generate_series(1, 3) g, pg_sleep(1) AS "
                + MARKER,
            SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).targets());
    clients =
        new JdbcClientDirectory(
            source, 2, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(clients.clientIds()).containsExactly("c1", "c2", "c3");

    // The socket timeout (4 s) ends the read; PgJDBC then waits for the query timeout's cancel,
    // held by the frozen proxy, for its own cancelSignalTimeout (10 s): about 12 s in all.
    freezeMidQueryAndAssertTheQueryFails(JdbcClientDirectoryHangIT::probeIsRunning);
  }

  @Test
  void onMariaDbTooASourceThatStopsAnsweringMidQueryFailsTheClientsQuery() throws Exception {
    proxy = new FreezingTcpProxy(3306);
    SourceConfig source =
        new SourceConfig(
            "jdbc:mariadb://127.0.0.1:" + proxy.port() + "/test",
            "root",
            null,
            "SELECT CONCAT('c', n) AS " + MARKER
                + " FROM (SELECT 1 n UNION ALL SELECT 2 UNION ALL SELECT 3) t WHERE SLEEP(0.4) = 0",
            SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).targets());
    clients =
        new JdbcClientDirectory(
            source, 2, Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4));
    assertThat(clients.clientIds()).containsExactly("c1", "c2", "c3");

    freezeMidQueryAndAssertTheQueryFails(JdbcClientDirectoryHangIT::mariaDbProbeIsRunning);
  }

  /**
   * Starts the clients query, freezes the proxy once {@code queryRunning} sees it on the server,
   * and expects the query to fail as the source being unavailable instead of hanging.
   */
  private void freezeMidQueryAndAssertTheQueryFails(Callable<Boolean> queryRunning) {
    CompletableFuture<List<String>> hung = CompletableFuture.supplyAsync(clients::clientIds);
    await().atMost(Duration.ofSeconds(5)).until(queryRunning);
    proxy.freeze();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(hung)
                    .isCompletedExceptionally()
                    .failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(ServiceUnavailableException.class)
                    .withMessageContaining("cannot list clients from the source database"));
  }

  private static boolean mariaDbProbeIsRunning() throws SQLException {
    try (Connection direct =
            DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/test", "root", null);
        ResultSet rows =
            direct
                .createStatement()
                .executeQuery(
                    "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%"
                        + MARKER
                        + "%' AND id <> CONNECTION_ID()")) {
      rows.next();
      return rows.getInt(1) > 0;
    }
  }

  private static boolean probeIsRunning() throws SQLException {
    try (Connection direct = DriverManager.getConnection(DIRECT, "postgres", null);
        ResultSet rows =
            direct
                .createStatement()
                .executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE"
                        + " '%"
                        + MARKER
                        + "%' AND pid <> pg_backend_pid()")) {
      rows.next();
      return rows.getInt(1) > 0;
    }
  }
}
