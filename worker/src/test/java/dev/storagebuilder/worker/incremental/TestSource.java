package dev.storagebuilder.worker.incremental;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, uniquely named source for one test class (an H2 in-memory database, a PostgreSQL schema
 * or a MariaDB database {@code sbinc_<random>}); closing drops it. PostgreSQL and MariaDB must be
 * running on 127.0.0.1 (see DEVELOPERS.md): the test fails, never skips.
 */
record TestSource(SourceSchema.Dialect dialect, String jdbcUrl, DataSource dataSource, String name)
    implements AutoCloseable {
  static final String POSTGRES_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  static final String MARIADB_ADMIN_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000";

  static TestSource create(SourceSchema.Dialect dialect) throws SQLException {
    String name = "sbinc_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    return switch (dialect) {
      case H2 -> {
        JdbcDataSource dataSource = new JdbcDataSource();
        String url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        dataSource.setURL(url);
        yield new TestSource(dialect, url, dataSource, name);
      }
      case POSTGRESQL -> {
        admin(POSTGRES_ADMIN_URL, "CREATE SCHEMA " + name);
        String url = POSTGRES_ADMIN_URL + "&currentSchema=" + name;
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        yield new TestSource(dialect, url, dataSource, name);
      }
      case MARIADB -> {
        admin(MARIADB_ADMIN_URL, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        String url = "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root";
        yield new TestSource(dialect, url, new MariaDbDataSource(url), name);
      }
    };
  }

  @Override
  public void close() throws SQLException {
    switch (dialect) {
      case H2 -> {
        try (Connection connection = dataSource.getConnection();
            Statement statement = connection.createStatement()) {
          statement.execute("SHUTDOWN");
        }
      }
      case POSTGRESQL -> admin(POSTGRES_ADMIN_URL, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
      case MARIADB -> admin(MARIADB_ADMIN_URL, "DROP DATABASE IF EXISTS " + name);
    }
  }

  private static void admin(String url, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
