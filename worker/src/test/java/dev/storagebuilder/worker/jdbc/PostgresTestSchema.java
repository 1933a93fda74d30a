package dev.storagebuilder.worker.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A schema of its own on the test PostgreSQL (127.0.0.1:5432, trust, database {@code test}), with a
 * pool whose sessions find its tables first; closing drops it with everything in it.
 */
final class PostgresTestSchema implements AutoCloseable {
  static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";

  private final String name;
  private final HikariDataSource pool;

  private PostgresTestSchema(String name, HikariDataSource pool) {
    this.name = name;
    this.pool = pool;
  }

  /** A fresh schema named {@code prefix} and a random suffix, and a pool of {@code poolSize} over it. */
  static PostgresTestSchema create(String prefix, int poolSize) throws SQLException {
    String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    admin(ADMIN_URL, "CREATE SCHEMA " + name);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(ADMIN_URL + "&currentSchema=" + name);
    config.setMaximumPoolSize(poolSize);
    config.setPoolName(name);
    return new PostgresTestSchema(name, new HikariDataSource(config));
  }

  String name() {
    return name;
  }

  HikariDataSource pool() {
    return pool;
  }

  /** Runs {@code sql} (one or more statements) on a connection of its own, this schema first on its path. */
  void admin(String sql) throws SQLException {
    admin(ADMIN_URL + "&currentSchema=" + name, sql);
  }

  private static void admin(String url, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    pool.close();
    admin(ADMIN_URL, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
  }
}
