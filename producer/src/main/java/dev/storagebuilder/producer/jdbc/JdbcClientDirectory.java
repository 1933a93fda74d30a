package dev.storagebuilder.producer.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.producer.ServiceUnavailableException;
import dev.storagebuilder.producer.enqueue.ClientDirectory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists clients with the source config's clients query over a small pool. The producer reads one
 * column per run, so two connections are plenty; the connection timeout bounds how long an HTTP
 * request can hang on an unreachable database. The pool opens lazily: the producer starts (and
 * answers health checks) while the source is down.
 *
 * <p>The query timeout cancels a query the server is slow to answer (a clients table locked by a
 * migration); the socket timeout, above it, ends a read from a source that stopped answering at
 * all (a network partition, a frozen host), which the cancel never reaches or never hears back
 * from: without it such a read held the API request and a pool connection for good.
 */
public final class JdbcClientDirectory implements ClientDirectory, AutoCloseable {
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
  static final Duration SOCKET_TIMEOUT = QUERY_TIMEOUT.plusSeconds(15);
  static final int FETCH_SIZE = 1_000;

  private final HikariDataSource pool;
  private final String clientsQuery;
  private final int queryTimeoutSeconds;

  public JdbcClientDirectory(SourceConfig source, int poolSize, Duration connectionTimeout) {
    this(source, poolSize, connectionTimeout, QUERY_TIMEOUT, SOCKET_TIMEOUT);
  }

  JdbcClientDirectory(
      SourceConfig source,
      int poolSize,
      Duration connectionTimeout,
      Duration queryTimeout,
      Duration socketTimeout) {
    this.queryTimeoutSeconds = Math.toIntExact(queryTimeout.toSeconds());
    HikariConfig config = new HikariConfig();
    config.setPoolName("sb-producer-source");
    config.setJdbcUrl(source.jdbcUrl());
    config.setUsername(source.username());
    config.setPassword(source.password());
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setInitializationFailTimeout(-1);
    config.setReadOnly(true);
    // Each driver names the read timeout its own way; H2 (in process) has no socket to time out.
    if (source.jdbcUrl().startsWith("jdbc:postgresql:")) {
      config.addDataSourceProperty(
          "socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
    } else if (source.jdbcUrl().startsWith("jdbc:mariadb:")
        || source.jdbcUrl().startsWith("jdbc:mysql:")) {
      config.addDataSourceProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
    }
    this.pool = new HikariDataSource(config);
    this.clientsQuery = source.clientsQuery();
  }

  @Override
  public List<String> clientIds() {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(queryTimeoutSeconds);
      statement.setFetchSize(FETCH_SIZE);
      List<String> ids = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(clientsQuery)) {
        while (rows.next()) {
          String id = rows.getString(1);
          try {
            ids.add(Ids.requireClientId(id));
          } catch (IllegalArgumentException e) {
            // Ids end up in S3 and DynamoDB keys; a source that breaks the rule must be fixed
            // there. The source's trouble, not the caller's: a 503 that says so, not a bare 500.
            throw new ServiceUnavailableException(
                "the source's clients query returned an unusable client id (fix it in the source): "
                    + e.getMessage(),
                e);
          }
        }
      }
      return ids;
    } catch (SQLException e) {
      throw new ServiceUnavailableException(
          "cannot list clients from the source database (SQLSTATE "
              + e.getSQLState()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
