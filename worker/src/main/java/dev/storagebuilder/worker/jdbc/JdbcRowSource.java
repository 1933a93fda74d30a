package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.common.target.TargetSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Reads targets over JDBC with a streaming cursor in a read-only repeatable-read transaction, so
 * the watermark query and the row scan see one consistent state of the source.
 */
public final class JdbcRowSource implements RowSource {
  /** A client list is re-read at most this often, and at once when a message names an unknown client. */
  private static final Duration CLIENTS_TTL = Duration.ofSeconds(30);

  private static final Duration CLIENTS_MIN_REFRESH = Duration.ofSeconds(2);

  private final DataSource dataSource;
  private final String clientsQuery;
  private final int fetchSize;
  private final Clock clock;
  private Set<String> clients = Set.of();
  private Instant clientsReadAt = Instant.EPOCH;

  public JdbcRowSource(DataSource dataSource, String clientsQuery, int fetchSize, Clock clock) {
    if (fetchSize < 1) {
      throw new IllegalArgumentException("worker.fetch-size must be >= 1, got " + fetchSize);
    }
    this.dataSource = dataSource;
    this.clientsQuery = clientsQuery;
    this.fetchSize = fetchSize;
    this.clock = clock;
  }

  @Override
  public synchronized boolean clientExists(String clientId) throws SQLException {
    Instant now = clock.instant();
    Duration age = Duration.between(clientsReadAt, now);
    if (age.compareTo(CLIENTS_TTL) > 0 || (!clients.contains(clientId) && age.compareTo(CLIENTS_MIN_REFRESH) > 0)) {
      clients = readClients();
      clientsReadAt = now;
    }
    return clients.contains(clientId);
  }

  @Override
  public void checkAvailable() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      if (!connection.isValid(5)) {
        throw new SQLTransientConnectionException("source connection is not valid", "08006");
      }
    }
  }

  private Set<String> readClients() throws SQLException {
    Set<String> ids = new HashSet<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(clientsQuery);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return Set.copyOf(ids);
  }

  @Override
  public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
    Connection connection = dataSource.getConnection();
    try {
      connection.setReadOnly(true);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      // PostgreSQL streams with a cursor only outside autocommit; elsewhere it does no harm.
      connection.setAutoCommit(false);
      long watermark;
      try (PreparedStatement max = connection.prepareStatement(TargetSql.maxVersion(target))) {
        max.setString(1, clientId);
        try (ResultSet result = max.executeQuery()) {
          result.next();
          watermark = result.getLong(1);
        }
      }
      PreparedStatement select =
          connection.prepareStatement(TargetSql.selectAll(target), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      select.setFetchSize(fetchSize);
      select.setString(1, clientId);
      ResultSet rows = select.executeQuery();
      return new JdbcSourceRead(connection, select, rows, watermark);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is going back to the pool or away; the original error matters
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // same
    }
  }

  private record JdbcSourceRead(Connection connection, PreparedStatement statement, ResultSet rows, long watermark)
      implements SourceRead {
    @Override
    public void close() throws SQLException {
      try (connection;
          statement;
          rows) {
        connection.commit();
      }
    }
  }
}
