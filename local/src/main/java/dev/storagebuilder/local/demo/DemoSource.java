package dev.storagebuilder.local.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import dev.storagebuilder.local.fleet.LocalFleet;
import org.h2.tools.Server;

/**
 * The demo's source database: an in-memory H2 in this JVM, served over TCP so the worker processes
 * read it exactly as they would read a remote database.
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

  public static DemoSource start(String name) throws SQLException {
    // The in-process connection creates the database and keeps it alive for the server's clients.
    Connection keepAlive = DriverManager.getConnection("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
    Server server = Server.createTcpServer("-tcpPort", String.valueOf(LocalFleet.freePort())).start();
    return new DemoSource(server, keepAlive, name);
  }

  /** The URL other processes use. */
  public String jdbcUrl() {
    return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name;
  }

  /** The URL this process uses (no TCP hop). */
  public String localJdbcUrl() {
    return "jdbc:h2:mem:" + name;
  }

  @Override
  public void close() throws SQLException {
    server.stop();
    keepAlive.close();
  }
}
