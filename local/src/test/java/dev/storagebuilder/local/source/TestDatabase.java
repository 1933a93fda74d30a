package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.fail;

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
 * A fresh, uniquely named database for one test class: an H2 in-memory database, a PostgreSQL
 * schema {@code sbtest_<random>} (selected with {@code currentSchema=}) or a MariaDB database
 * {@code sbtest_<random>}. Closing drops it. PostgreSQL and MariaDB must be running: a test fails
 * (never skips) with the command that starts them.
 */
record TestDatabase(SqlDialect dialect, String jdbcUrl, DataSource dataSource, String name)
    implements AutoCloseable {

  static final String POSTGRES_ADMIN_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  static final String MARIADB_ADMIN_URL =
      "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000";
  static final String POSTGRES_START =
      "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";
  static final String MARIADB_START =
      "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd";

  static TestDatabase create(SqlDialect dialect) {
    String name = "sbtest_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    return switch (dialect) {
      case H2 -> {
        JdbcDataSource dataSource = new JdbcDataSource();
        String url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        dataSource.setURL(url);
        yield new TestDatabase(dialect, url, dataSource, name);
      }
      case POSTGRESQL -> {
        admin(dialect, "CREATE SCHEMA " + name);
        String url = POSTGRES_ADMIN_URL + "&currentSchema=" + name;
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        yield new TestDatabase(dialect, url, dataSource, name);
      }
      case MARIADB -> {
        admin(dialect, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        String url = "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root";
        try {
          yield new TestDatabase(dialect, url, new MariaDbDataSource(url), name);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  Connection connect() throws SQLException {
    return dataSource.getConnection();
  }

  @Override
  public void close() {
    switch (dialect) {
      case H2 -> {
        try (Connection connection = connect();
            Statement statement = connection.createStatement()) {
          statement.execute("SHUTDOWN");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
      case POSTGRESQL -> admin(dialect, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
      case MARIADB -> admin(dialect, "DROP DATABASE IF EXISTS " + name);
    }
  }

  private static void admin(SqlDialect dialect, String sql) {
    String url = dialect == SqlDialect.POSTGRESQL ? POSTGRES_ADMIN_URL : MARIADB_ADMIN_URL;
    Connection connection;
    try {
      connection = DriverManager.getConnection(url);
    } catch (SQLException e) {
      String start = dialect == SqlDialect.POSTGRESQL ? POSTGRES_START : MARIADB_START;
      fail(
          dialect
              + " is not reachable at "
              + url
              + " ("
              + e.getMessage()
              + "). Start it with: "
              + start);
      throw new AssertionError(e);
    }
    try (connection;
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
