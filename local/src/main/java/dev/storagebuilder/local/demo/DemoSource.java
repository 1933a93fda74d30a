package dev.storagebuilder.local.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private final Server server;
  private final Connection keepAlive;
  private final String name;

  private DemoSource(Server server, Connection keepAlive, String name) {
    this.server = server;
    this.keepAlive = keepAlive;
    this.name = name;
  }

  /** A fresh database in {@code directory} (any previous one there is replaced). */
  public static DemoSource start(Path directory) throws SQLException, IOException {
    Files.createDirectories(directory);
    for (String leftover : new String[] {"demo.mv.db", "demo.trace.db"}) {
      Files.deleteIfExists(directory.resolve(leftover));
    }
    String name = directory.toAbsolutePath().resolve("demo").toString();
    // The in-process connection keeps the database open for the server's clients.
    Connection keepAlive = DriverManager.getConnection("jdbc:h2:file:" + name);
    Server server =
        Server.createTcpServer("-tcpPort", String.valueOf(LocalFleet.freePort())).start();
    return new DemoSource(server, keepAlive, name);
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
  public void close() throws SQLException {
    server.stop();
    keepAlive.close();
  }
}
