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
 */
public final class JdbcClientDirectory implements ClientDirectory, AutoCloseable {
  static final int QUERY_TIMEOUT_SECONDS = 30;
  static final int FETCH_SIZE = 1_000;

  private final HikariDataSource pool;
  private final String clientsQuery;

  public JdbcClientDirectory(SourceConfig source, int poolSize, Duration connectionTimeout) {
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
    this.pool = new HikariDataSource(config);
    this.clientsQuery = source.clientsQuery();
  }

  @Override
  public List<String> clientIds() {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
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
