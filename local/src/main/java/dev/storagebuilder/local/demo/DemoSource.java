package dev.storagebuilder.local.demo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import org.h2.jdbcx.JdbcDataSource;
import org.h2.tools.Server;

/**
 * The demo's source database: an H2 database in this JVM, served over TCP so the worker processes
 * read it exactly as they would read a remote database. It lives in files under the state
 * directory: in memory, H2 needs ~2 GB of heap per million rows, which a legacy-sized demo exceeds.
 */
public final class DemoSource implements AutoCloseable {
  private static final String LOCK = "source.lock";

  private final FileChannel lock;
  private final Server server;
  private final Connection keepAlive;
  private final String name;

  private DemoSource(FileChannel lock, Server server, Connection keepAlive, String name) {
    this.lock = lock;
    this.server = server;
    this.keepAlive = keepAlive;
    this.name = name;
  }

  /**
   * A fresh database in {@code directory} (any previous one there is replaced); refused while
   * another demo's source uses the directory.
   */
  public static DemoSource start(Path directory) throws SQLException, IOException {
    Files.createDirectories(directory);
    FileChannel lock = lock(directory);
    try {
      for (String leftover : new String[] {"demo.mv.db", "demo.trace.db"}) {
        Files.deleteIfExists(directory.resolve(leftover));
      }
      String name = directory.toAbsolutePath().resolve("demo").toString();
      // The in-process connection keeps the database open for the server's clients.
      Connection keepAlive = DriverManager.getConnection("jdbc:h2:file:" + name);
      try {
        Server server =
            Server.createTcpServer("-tcpPort", String.valueOf(LocalFleet.freePort())).start();
        return new DemoSource(lock, server, keepAlive, name);
      } catch (SQLException | RuntimeException e) {
        keepAlive.close();
        throw e;
      }
    } catch (SQLException | IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Taken before the previous database is deleted: a second demo on a state directory in use
   * deleted the running demo's database file and generated its data for minutes before its
   * embedded stack was refused the directory. Released by {@link #close()} (or the JVM's end).
   */
  private static FileChannel lock(Path directory) throws IOException {
    FileChannel channel =
        FileChannel.open(
            directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException inThisJvm) {
      held = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (held == null) {
      channel.close();
      throw new IllegalStateException(
          "the demo source in "
              + directory.toAbsolutePath()
              + " is in use by another demo (--state-dir names the state of a demo still"
              + " running); wait for it to end or use another --state-dir");
    }
    return channel;
  }

  /** The URL other processes use. */
  public String jdbcUrl() {
    return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + name;
  }

  /** The TCP port of the H2 server (for a fault-injecting proxy in front of it). */
  public int port() {
    return server.getPort();
  }

  /** The URL for clients that reach the server through a proxy listening on {@code proxyPort}. */
  public String jdbcUrlVia(int proxyPort) {
    return "jdbc:h2:tcp://127.0.0.1:" + proxyPort + "/" + name;
  }

  /** The URL this process uses (no TCP hop). */
  public String localJdbcUrl() {
    return "jdbc:h2:file:" + name;
  }

  /** Connections from this process (no TCP hop): for loading and verifying. */
  public JdbcDataSource localDataSource() {
    JdbcDataSource local = new JdbcDataSource();
    local.setURL(localJdbcUrl());
    return local;
  }

  /** Fills the database with {@code generator}'s tenants from this process. */
  public GenerationReport load(DemoDataGenerator generator) throws SQLException {
    try (Connection connection = localDataSource().getConnection()) {
      return generator.load(connection);
    }
  }

  @Override
  public void close() throws SQLException, IOException {
    try (lock) {
      server.stop();
      keepAlive.close();
    }
  }
}
