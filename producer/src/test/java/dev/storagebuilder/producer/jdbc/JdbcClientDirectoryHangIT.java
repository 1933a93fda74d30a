package dev.storagebuilder.producer.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.producer.ServiceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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

  private FreezingProxy proxy;
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
    proxy = new FreezingProxy(5432);
    proxy.start();
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
    proxy = new FreezingProxy(3306);
    proxy.start();
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

  /** Forwards TCP to a local port until frozen; then holds every byte and every new connection. */
  private static final class FreezingProxy implements AutoCloseable {
    private final int target;
    private final CountDownLatch thawed = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;
    private ServerSocket server;

    FreezingProxy(int target) {
      this.target = target;
    }

    void start() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket client = server.accept();
                    sockets.add(client);
                    Thread.ofVirtual().start(() -> connect(client));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
    }

    int port() {
      return server.getLocalPort();
    }

    void freeze() {
      frozen = true;
    }

    private void connect(Socket client) {
      try {
        holdWhileFrozen();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream));
        pump(upstream, client);
      } catch (IOException | InterruptedException e) {
        // closed
      }
    }

    private void pump(Socket from, Socket to) {
      byte[] buffer = new byte[8192];
      try (InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          holdWhileFrozen();
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // closed
      }
    }

    private void holdWhileFrozen() throws InterruptedException {
      if (frozen) {
        thawed.await();
      }
    }

    @Override
    public void close() {
      thawed.countDown();
      try {
        server.close();
      } catch (IOException e) {
        // closing anyway
      }
      for (Socket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }
}
