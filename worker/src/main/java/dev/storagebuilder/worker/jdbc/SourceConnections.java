package dev.storagebuilder.worker.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.worker.port.OpenReads;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The source pool as the worker uses it: hands out the pool's connections, keeps track of those
 * out, and aborts them without waiting on any.
 *
 * <p>Not left to the pool's close: HikariCP aborts the connections still in use on the closing
 * thread, and MariaDB's driver, asked to abort a connection whose streaming read waits on a source
 * that stopped answering, first sends KILL over a new connection (to the same silent source: it
 * waits out its connect timeout) and then waits for the read's lock, which the read holds until the
 * read timeout (15 min). A worker stopped during such a read waited that long to exit, and ECS
 * killed it first, its target still holding its source slot. Here MariaDB's socket is closed under
 * the read (the read fails at once, its lock comes free, the driver's own abort completes), every
 * abort runs on a thread of its own, and closing the pool waits at most {@link #CLOSE_WAIT}.
 * PgJDBC's abort closes the socket on the executor it is given, without waiting on the read.
 *
 * <p>Each connection is tracked with the thread that took it, a target's thread, so a target that
 * loses its lease has its own reads aborted and no other's.
 */
public final class SourceConnections implements DataSource, OpenReads, AutoCloseable {
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(SourceConnections.class);
  /** How long closing waits for the pool once every connection still out was aborted: within ECS's stop timeout. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

  /** Each abort on a thread of its own: one that hangs (a driver that waits on its source) holds up no other. */
  private static final Executor ABORTS = task -> Thread.ofPlatform().daemon(true).name("source-abort").start(task);

  private final HikariDataSource pool;
  private final Duration closeWait;
  /** The connections out, each with the thread that took it: a target's reads are its thread's. */
  private final Map<Connection, Thread> out = new ConcurrentHashMap<>();

  public SourceConnections(HikariDataSource pool) {
    this(pool, CLOSE_WAIT);
  }

  SourceConnections(HikariDataSource pool, Duration closeWait) {
    this.pool = pool;
    this.closeWait = closeWait;
  }

  /** The pool itself: for its state, not for connections (those would not be tracked). */
  HikariDataSource pool() {
    return pool;
  }

  @Override
  public Connection getConnection() throws SQLException {
    // A pooled connection reads as closed once given back: no I/O, no lock.
    out.keySet().removeIf(SourceConnections::closed);
    Connection connection = pool.getConnection();
    out.put(connection, Thread.currentThread());
    return connection;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the source pool connects with the source's own credentials");
  }

  @Override
  public int abortAll() {
    return abortWhere(owner -> true);
  }

  @Override
  public int abortReadsOf(Thread reader) {
    return abortWhere(owner -> owner == reader);
  }

  private int abortWhere(Predicate<Thread> taken) {
    int aborted = 0;
    for (Map.Entry<Connection, Thread> entry : out.entrySet()) {
      Connection connection = entry.getKey();
      if (taken.test(entry.getValue()) && out.remove(connection) != null && !closed(connection)) {
        ABORTS.execute(() -> abort(connection));
        aborted++;
      }
    }
    return aborted;
  }

  private static void abort(Connection connection) {
    try {
      Connection driver = connection.unwrap(Connection.class);
      if (driver instanceof org.mariadb.jdbc.Connection mariaDb) {
        closeSocket(mariaDb);
      }
      driver.abort(ABORTS);
    } catch (SQLException | RuntimeException e) {
      log.debug("aborting a source connection: {}", e.toString());
    }
  }

  /**
   * MariaDB's driver keeps its socket private; without it, its abort waits for the read it aborts.
   * A driver that no longer has one where looked for is aborted as it is (logged: this test-covered
   * path then waits on the read again).
   */
  private static void closeSocket(org.mariadb.jdbc.Connection connection) {
    Socket socket = socketOf(connection.getClient(), 2);
    if (socket == null) {
      log.warn("found no socket in MariaDB's client {}: its abort waits for the read in progress",
          connection.getClient().getClass().getName());
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closed either way
    }
  }

  /** The socket field of a MariaDB client, or of the client it delegates to (failover), or null. */
  private static Socket socketOf(Object client, int depth) {
    for (Class<?> type = client.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        boolean socket = Socket.class.isAssignableFrom(field.getType());
        boolean delegate = depth > 1 && org.mariadb.jdbc.client.Client.class.isAssignableFrom(field.getType());
        if (!socket && !delegate) {
          continue;
        }
        try {
          field.setAccessible(true);
          Object value = field.get(client);
          if (socket && value != null) {
            return (Socket) value;
          }
          if (delegate && value != null) {
            Socket found = socketOf(value, depth - 1);
            if (found != null) {
              return found;
            }
          }
        } catch (ReflectiveOperationException | RuntimeException e) {
          log.debug("reading {}.{}: {}", type.getName(), field.getName(), e.toString());
        }
      }
    }
    return null;
  }

  private static boolean closed(Connection connection) {
    try {
      return connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  /**
   * Aborts every connection still out (a target stuck on a silent source that the stop gave up on),
   * then closes the pool, waiting at most {@link #CLOSE_WAIT} for it.
   */
  @Override
  public void close() {
    int aborted = abortAll();
    if (aborted > 0) {
      log.info("closing the source pool: aborted {} connections still in use", aborted);
    }
    Thread closing = Thread.ofPlatform().daemon(true).name("source-pool-close").start(pool::close);
    try {
      if (!closing.join(closeWait)) {
        log.warn("the source pool did not close within {}; stopping without waiting for it", closeWait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || pool.isWrapperFor(iface);
  }
}
