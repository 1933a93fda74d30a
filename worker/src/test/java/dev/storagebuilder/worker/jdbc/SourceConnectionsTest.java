package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Which connections a stop aborts: those still out, not those given back to the pool. (That an
 * abort ends a read blocked on a silent source is {@code FrozenSourceShutdownIT}'s, on MariaDB and
 * PostgreSQL.)
 */
class SourceConnectionsTest {
  /** The driver connections aborted so far (H2's own abort does nothing: these record it). */
  private final Set<Connection> aborted = ConcurrentHashMap.newKeySet();

  /** A pool over H2 whose driver connections record their abort. */
  private SourceConnections open() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:connections" + System.nanoTime());
    HikariConfig config = new HikariConfig();
    config.setMaximumPoolSize(3);
    config.setDataSource(recordingAborts(h2));
    return new SourceConnections(new HikariDataSource(config));
  }

  @Test
  void abortingAbortsOnlyTheConnectionsStillOut() throws Exception {
    try (SourceConnections connections = open()) {
      Connection givenBack = connections.getConnection();
      Connection held = connections.getConnection();
      Connection givenBackDriver = givenBack.unwrap(Connection.class);
      givenBack.close();

      assertThat(connections.abortAll()).isEqualTo(1);

      Connection heldDriver = held.unwrap(Connection.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> aborted.contains(heldDriver));
      assertThat(aborted).doesNotContain(givenBackDriver);
      assertThat(connections.abortAll()).as("each connection is aborted once").isZero();
    }
  }

  @Test
  void abortingTheReadsOfAThreadAbortsOnlyTheConnectionsThatThreadTookAndStillHolds() throws Exception {
    try (SourceConnections connections = open()) {
      Connection mine = connections.getConnection();
      CompletableFuture<Connection> others = new CompletableFuture<>();
      Thread other = Thread.ofPlatform().start(() -> {
        try {
          others.complete(connections.getConnection());
        } catch (Exception e) {
          others.completeExceptionally(e);
        }
      });
      Connection theirs = others.get(5, TimeUnit.SECONDS);
      Connection theirDriver = theirs.unwrap(Connection.class);
      Connection myDriver = mine.unwrap(Connection.class);

      assertThat(connections.abortReadsOf(other)).isEqualTo(1);

      await().atMost(Duration.ofSeconds(5)).until(() -> aborted.contains(theirDriver));
      assertThat(aborted).doesNotContain(myDriver);
      assertThat(connections.abortReadsOf(other)).as("each connection is aborted once").isZero();
      assertThat(connections.abortReadsOf(Thread.currentThread())).isEqualTo(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> aborted.contains(myDriver));
    }
  }

  @Test
  void closingAbortsTheConnectionsStillOutAndClosesThePoolWithoutWaitingForThem() throws Exception {
    SourceConnections connections = open();
    Connection heldDriver = connections.getConnection().unwrap(Connection.class);

    connections.close();

    assertThat(connections.pool().isClosed()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> aborted.contains(heldDriver));
  }

  /** H2's data source, its connections' abort recorded (and closing them). */
  private DataSource recordingAborts(DataSource h2) {
    return (DataSource) Proxy.newProxyInstance(
        DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (source, call, callArgs) -> {
          Object result = invoke(h2, call, callArgs);
          if (!(result instanceof Connection connection)) {
            return result;
          }
          return Proxy.newProxyInstance(
              Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                if (method.getName().equals("abort")) {
                  aborted.add((Connection) proxy);
                  connection.close();
                  return null;
                }
                return invoke(connection, method, args);
              });
        });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
