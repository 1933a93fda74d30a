package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.target.SqlDialect;

import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.common.target.TargetSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.sql.SQLTimeoutException;
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

  /**
   * The clients query is given up after this long (as the producer's): it runs holding this
   * source's monitor, so while it waits (on a lock a migration holds, say) every target of the
   * worker waits behind it, and no interrupt of a lost lease reaches them.
   */
  static final int CLIENTS_QUERY_TIMEOUT_SECONDS = 30;

  /** How far past its query timeout the clients query may wait on a silent source (as the producer's, 45 s in all). */
  static final Duration CLIENTS_QUERY_SILENCE_MARGIN = Duration.ofSeconds(15);

  /** The application name of the worker's read sessions: they hold no versions, so settling ignores them. */
  static final String READER_APPLICATION = "storage-builder-read";

  /**
   * The server's own processes, which never write the application's rows: the settle step does not
   * wait for them (an autovacuum worker holds its virtual transaction id for as long as a vacuum
   * runs). Every other backend type is a possible writer, including types not listed here.
   */
  private static final String SYSTEM_BACKENDS = "'autovacuum launcher', 'autovacuum worker', 'walsender',"
      + " 'walreceiver', 'startup', 'checkpointer', 'background writer', 'walwriter', 'archiver',"
      + " 'logical replication launcher'";

  private static final Logger log = LoggerFactory.getLogger(JdbcRowSource.class);

  private final DataSource dataSource;
  private final String clientsQuery;
  private final int fetchSize;
  private final Clock clock;
  private final ChangeReadSettings changeSettings;
  private final boolean postgresCopy;
  private final int clientsQueryTimeoutSeconds;
  private Set<String> clients = Set.of();
  private Instant clientsReadAt = Instant.EPOCH;

  public JdbcRowSource(DataSource dataSource, String clientsQuery, int fetchSize, Clock clock) {
    this(dataSource, clientsQuery, fetchSize, clock, ChangeReadSettings.defaults());
  }

  public JdbcRowSource(
      DataSource dataSource, String clientsQuery, int fetchSize, Clock clock, ChangeReadSettings changeSettings) {
    this(dataSource, clientsQuery, fetchSize, clock, changeSettings, true);
  }

  /**
   * @param postgresCopy read full snapshots from PostgreSQL with binary COPY where every column's
   *     type decodes exactly as over JDBC ({@link PostgresCopyRead}); false reads everything over JDBC
   */
  public JdbcRowSource(
      DataSource dataSource,
      String clientsQuery,
      int fetchSize,
      Clock clock,
      ChangeReadSettings changeSettings,
      boolean postgresCopy) {
    this(dataSource, clientsQuery, fetchSize, clock, changeSettings, postgresCopy, CLIENTS_QUERY_TIMEOUT_SECONDS);
  }

  /** Tests: a clients query timeout other than {@link #CLIENTS_QUERY_TIMEOUT_SECONDS}. */
  JdbcRowSource(
      DataSource dataSource,
      String clientsQuery,
      int fetchSize,
      Clock clock,
      ChangeReadSettings changeSettings,
      boolean postgresCopy,
      int clientsQueryTimeoutSeconds) {
    if (fetchSize < 1) {
      throw new IllegalArgumentException("worker.fetch-size must be >= 1, got " + fetchSize);
    }
    this.dataSource = dataSource;
    this.clientsQuery = clientsQuery;
    this.fetchSize = fetchSize;
    this.clock = clock;
    this.changeSettings = changeSettings;
    this.postgresCopy = postgresCopy;
    this.clientsQueryTimeoutSeconds = clientsQueryTimeoutSeconds;
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
        PreparedStatement statement = connection.prepareStatement(clientsQuery)) {
      statement.setQueryTimeout(clientsQueryTimeoutSeconds);
      // The query timeout's cancel never gets an answer from a source that stopped answering (a
      // partition, a frozen host), and the read then waited out the pool's read timeout (15 min)
      // holding this monitor, with every target of the worker behind it. A socket timeout above the
      // query timeout, on this connection only (the pool restores its own when it comes back).
      limitSilence(connection, Duration.ofSeconds(clientsQueryTimeoutSeconds).plus(CLIENTS_QUERY_SILENCE_MARGIN));
      readClients(statement, ids, clientsQueryTimeoutSeconds);
    }
    return Set.copyOf(ids);
  }

  /** On a driver that has no socket to time out (H2 in process), nothing to limit. */
  private static void limitSilence(Connection connection, Duration silence) throws SQLException {
    try {
      connection.setNetworkTimeout(Runnable::run, Math.toIntExact(silence.toMillis()));
    } catch (SQLFeatureNotSupportedException e) {
      // in process: no network
    }
  }

  private static void readClients(PreparedStatement statement, Set<String> ids, int timeoutSeconds)
      throws SQLException {
    ResultSet rows;
    try {
      rows = statement.executeQuery();
    } catch (SQLTimeoutException e) {
      throw e;
    } catch (SQLException e) {
      // PostgreSQL reports its own timeout as a cancelled statement (57014), which says nothing
      // of retrying: the source is slow now, a later message may find it answering.
      if ("57014".equals(e.getSQLState())) {
        throw new SQLTimeoutException(
            "the clients query did not answer within " + timeoutSeconds + " s", "57014", e);
      }
      throw e;
    }
    try (rows) {
      while (rows.next()) {
        String id = rows.getString(1);
        // A NULL is no client a message can name; Set.copyOf threw on it, failing every message.
        if (id != null) {
          ids.add(id);
        }
      }
    }
  }

  @Override
  public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
    Connection connection = dataSource.getConnection();
    try {
      SqlDialect dialect = SqlDialect.fromJdbcUrl(connection.getMetaData().getURL());
      boolean postgres = dialect == SqlDialect.POSTGRESQL;
      SettleCandidate candidate = postgres ? settleCandidate(connection, target, clientId) : null;
      boolean settles = postgres && !candidate.replicated();
      OptionalLong settled = settles ? settle(connection, candidate.version()) : OptionalLong.empty();
      begin(connection, dialect);
      // A PostgreSQL primary's watermark is the settled one; elsewhere the highest version this snapshot sees.
      long watermark = settles ? settled.orElse(0L) : visibleMax(connection, target, clientId, dialect);
      if (postgresCopy && postgres) {
        // The same transaction, so the same snapshot as the watermark read above.
        ResultSet copied = PostgresCopyRead.open(connection, target, clientId);
        if (copied != null) {
          return new JdbcSourceRead(connection, null, copied, watermark, true, settles);
        }
      }
      PreparedStatement select =
          connection.prepareStatement(TargetSql.selectAll(target), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      select.setFetchSize(fetchSize);
      dialect.bindClientId(select, 1, clientId);
      // Fetch and decode on a second thread while the caller encodes: the two overlap.
      ResultSet rows = new PrefetchingResultSet(select.executeQuery(), target);
      return new JdbcSourceRead(connection, select, rows, watermark, false, settles);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  @Override
  public ChangeRead readChanges(TargetDeclaration target, String clientId, long watermark) throws SQLException {
    Connection connection = dataSource.getConnection();
    try {
      SqlDialect dialect = SqlDialect.fromJdbcUrl(connection.getMetaData().getURL());
      boolean postgres = dialect == SqlDialect.POSTGRESQL;
      SettleCandidate candidate = postgres ? settleCandidate(connection, target, clientId) : null;
      boolean settles = postgres && !candidate.replicated();
      long from = changeSettings.windowFrom(watermark, settles);
      OptionalLong settled = OptionalLong.empty();
      if (postgres) {
        if (candidate.version() <= from) {
          // Nothing at or below the watermark can still appear (it was settled, or the window below
          // it is re-read), and nothing above the window is visible yet: no change to read, and the
          // watermark stays. Most targets of an incremental update-all end here, one query instead
          // of six round trips.
          connection.close();
          return new NoChangeRead(from, watermark, settles);
        }
        if (settles) {
          settled = settle(connection, candidate.version());
        }
      }
      begin(connection, dialect);
      long safe = settles ? settled.orElse(watermark) : visibleMax(connection, target, clientId, dialect);
      return new JdbcChangeRead(connection, dialect, target, clientId, from, Math.max(safe, watermark), settles);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /**
   * Starts the read's transaction: repeatable read, read only. On PostgreSQL in one round trip with
   * its first statements, rather than through the session's isolation level: setting that costs a
   * round trip, and the pool another to reset it, on every target.
   */
  private static void begin(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect != SqlDialect.POSTGRESQL) {
      connection.setReadOnly(true);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setAutoCommit(false);
      return;
    }
    // PostgreSQL streams with a cursor only outside autocommit.
    connection.setAutoCommit(false);
    // Reads take one client's rows of a table shared by all clients, through the (client, version)
    // or key index. The planner misjudges both kinds: for a change read it multiplies "this client"
    // by "version above W" as if independent and, with other clients holding the higher versions,
    // scanned the whole table (1.7 s for 100 changed rows of 1M in an 11M-row table); for a full
    // read of a client holding a few percent of the table it scans the whole table and filters out
    // every other client's rows, although a bitmap heap scan over the client's index costs it about
    // the same (326k vs 321k for 1M of 11M rows) and reads only this client's pages (COPY of 1M of
    // 11M rows 1.5-1.75 s -> 0.9 s; 10M of 11M no slower). Without such an index the scan stays.
    // Prepared, not a plain Statement: the driver parses a prepared text once per connection.
    try (PreparedStatement sql = connection.prepareStatement(
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL enable_seqscan = off")) {
      sql.execute();
    }
  }

  /** The highest version among a client's rows and tombstones, as this connection sees them. */
  private static long visibleMax(Connection connection, TargetDeclaration target, String clientId, SqlDialect dialect)
      throws SQLException {
    // One column (and client id parameter) for the rows, a second for the tombstones if any.
    int parts = TargetSql.maxDeleteVersion(target) == null ? 1 : 2;
    try (PreparedStatement statement = connection.prepareStatement(TargetSql.maxVersions(target))) {
      for (int i = 1; i <= parts; i++) {
        dialect.bindClientId(statement, i, clientId);
      }
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        long max = result.getLong(1); // NULL (no rows) reads as 0
        for (int column = 2; column <= parts; column++) {
          max = Math.max(max, result.getLong(column));
        }
        return max;
      }
    }
  }

  /**
   * PostgreSQL: the version to settle (V below), and whether the rows come from another server.
   *
   * @param replicated a hot standby (its {@code pg_locks} shows none of the primary's transactions),
   *     or a table a logical replication subscription writes (its rows arrive in the publisher's
   *     commit order, and no transaction here holds a version the publisher has not committed):
   *     settling waited for nothing, and a transaction holding a lower version that committed
   *     afterwards was skipped for good; such a read gets the overlap window
   */
  private record SettleCandidate(long version, boolean replicated) {}

  /**
   * PostgreSQL: the highest version visible now, read outside a transaction, with whether the
   * server is in recovery or a subscription writes the target's table or its tombstones.
   */
  private static SettleCandidate settleCandidate(Connection connection, TargetDeclaration target, String clientId)
      throws SQLException {
    connection.setAutoCommit(true);
    // Sent once per pooled connection: the driver skips a name the session already has.
    connection.setClientInfo("ApplicationName", READER_APPLICATION);
    // Asked on every read, in the same round trip: a pool behind a name or a multi-host URL may
    // reach the primary and a replica by turns.
    int parts = TargetSql.maxDeleteVersion(target) == null ? 1 : 2;
    // Declared tables are plain (optionally schema-qualified) identifiers, checked when loaded.
    String tables = "to_regclass('" + target.table() + "')"
        + (parts == 2 ? ", to_regclass('" + target.deletes().table() + "')" : "");
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_subscription_rel WHERE srrelid IN (" + tables + ")),"
            + " v.* FROM (" + TargetSql.maxVersions(target) + ") v")) {
      for (int i = 1; i <= parts; i++) {
        SqlDialect.POSTGRESQL.bindClientId(statement, i, clientId);
      }
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        long max = 0; // NULL (no rows) reads as 0
        for (int column = 2; column <= parts + 1; column++) {
          max = Math.max(max, result.getLong(column));
        }
        return new SettleCandidate(max, result.getBoolean(1));
      }
    }
  }

  /**
   * PostgreSQL: a version V is safe once every transaction that was running when V was the highest
   * visible version has ended. A transaction that holds a lower version (taken from the sequence,
   * committed or not yet written) was running then, so it is among the virtual transaction ids
   * captured after reading V, or, prepared for two-phase commit, among the prepared transactions;
   * once they are all gone, a snapshot taken afterwards sees every version at or below V that will
   * ever commit. Transactions that start later take versions above V (a sequence hands out
   * increasing values; CACHE 1). Returns V, or empty when those transactions did not end within the
   * settle timeout (the caller then does not advance).
   */
  private OptionalLong settle(Connection connection, long candidate) throws SQLException {
    List<String> running = new ArrayList<>();
    List<String> prepared = new ArrayList<>();
    // pg_stat_activity shows a reader without pg_read_all_stats another role's backend_type as
    // NULL: such a session is waited for like a client backend (the application's writers are
    // usually another role; ignoring them advanced the watermark past their versions for good).
    // So is every background worker: pg_cron's jobs (cron.use_background_workers), TimescaleDB's
    // and other extensions' workers take versions and commit like any writer, under a type of
    // their own; waiting for client backends only skipped their rows for good.
    // A prepared transaction (PREPARE TRANSACTION, XA) has given its session's virtual id back and
    // has no session, yet commits later with the version it took: pg_locks never showed it, and
    // its row was skipped for good. It is waited for by its xid until committed or rolled back.
    try (PreparedStatement locks = connection.prepareStatement(
            "SELECT 'v', l.virtualxid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'virtualxid' AND l.granted AND l.pid <> pg_backend_pid()"
                + " AND a.datname = current_database()"
                + " AND (a.backend_type IS NULL OR a.backend_type NOT IN (" + SYSTEM_BACKENDS + "))"
                + " AND a.application_name <> ?"
                + " UNION ALL SELECT 'p', p.transaction::text FROM pg_prepared_xacts p"
                + " WHERE p.database = current_database()")) {
      locks.setString(1, READER_APPLICATION);
      try (ResultSet rows = locks.executeQuery()) {
        while (rows.next()) {
          (rows.getString(1).equals("v") ? running : prepared).add(rows.getString(2));
        }
      }
    }
    long deadline = System.nanoTime() + changeSettings.settleTimeout().toNanos();
    try (PreparedStatement still = connection.prepareStatement(
        "SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND granted AND virtualxid = ANY (?))"
            + " + (SELECT count(*) FROM pg_prepared_xacts WHERE transaction::text = ANY (?))");
        PreparedStatement pause = connection.prepareStatement("SELECT pg_sleep(0.01)")) {
      while (!running.isEmpty() || !prepared.isEmpty()) {
        still.setArray(1, connection.createArrayOf("text", running.toArray()));
        still.setArray(2, connection.createArrayOf("text", prepared.toArray()));
        try (ResultSet result = still.executeQuery()) {
          result.next();
          if (result.getLong(1) == 0) {
            long waited = changeSettings.settleTimeout().toNanos() - (deadline - System.nanoTime());
            log.info("watermark {} settled after {} ms ({} transactions in flight, {} prepared)", candidate,
                waited / 1_000_000, running.size(), prepared.size());
            return OptionalLong.of(candidate);
          }
        }
        if (System.nanoTime() - deadline > 0) {
          log.warn("transactions in flight ({} prepared) did not end within {}; watermark not advanced",
              prepared.size(), changeSettings.settleTimeout());
          return OptionalLong.empty();
        }
        pause.execute();
      }
    }
    return OptionalLong.of(candidate);
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

  private final class JdbcChangeRead implements ChangeRead {
    private final Connection connection;
    private final SqlDialect dialect;
    private final TargetDeclaration target;
    private final String clientId;
    private final long from;
    private final long watermark;
    private final boolean watermarkSettled;
    private PreparedStatement statement;
    private ResultSet rows;

    JdbcChangeRead(
        Connection connection,
        SqlDialect dialect,
        TargetDeclaration target,
        String clientId,
        long from,
        long watermark,
        boolean watermarkSettled) {
      this.connection = connection;
      this.dialect = dialect;
      this.target = target;
      this.clientId = clientId;
      this.from = from;
      this.watermark = watermark;
      this.watermarkSettled = watermarkSettled;
    }

    @Override
    public ResultSet upserts() throws SQLException {
      return open(TargetSql.selectChangedRows(target));
    }

    @Override
    public ResultSet deletes() throws SQLException {
      String sql = TargetSql.selectDeletedKeys(target);
      // No delete tracking: an empty result of the same shape.
      return open(sql != null ? sql : TargetSql.selectChangedRows(target) + " AND 1 = 0");
    }

    private ResultSet open(String sql) throws SQLException {
      closeCursor();
      statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      statement.setFetchSize(fetchSize);
      dialect.bindClientId(statement, 1, clientId);
      statement.setLong(2, from);
      rows = statement.executeQuery();
      return rows;
    }

    private void closeCursor() throws SQLException {
      try (PreparedStatement s = statement;
          ResultSet r = rows) {
        statement = null;
        rows = null;
      }
    }

    @Override
    public long fromVersion() {
      return from;
    }

    @Override
    public boolean watermarkSettled() {
      return watermarkSettled;
    }

    @Override
    public long watermark() {
      return watermark;
    }

    @Override
    public void close() throws SQLException {
      try (connection) {
        closeCursor();
        connection.commit();
      }
    }
  }

  /** A change read that found nothing to read before it began; holds no connection. */
  private record NoChangeRead(long fromVersion, long watermark, boolean watermarkSettled) implements ChangeRead {
    @Override
    public ResultSet upserts() {
      return new NoRows();
    }

    @Override
    public ResultSet deletes() {
      return new NoRows();
    }

    @Override
    public void close() {}
  }

  private static final class NoRows extends UnsupportedResultSet {
    @Override
    public boolean next() {
      return false;
    }

    @Override
    public void close() {}

    @Override
    public boolean isClosed() {
      return false;
    }
  }

  /**
   * @param statement the cursor's statement; null for a COPY
   * @param copied read with COPY: ends with a rollback, since an abandoned COPY is cancelled and
   *     leaves the transaction aborted (the read-only transaction changed nothing either way)
   * @param watermarkSettled a PostgreSQL primary's settled watermark; elsewhere the highest version seen
   */
  private record JdbcSourceRead(
      Connection connection,
      PreparedStatement statement,
      ResultSet rows,
      long watermark,
      boolean copied,
      boolean watermarkSettled)
      implements SourceRead {
    @Override
    public long rowWaitNanos() {
      return rows instanceof PrefetchingResultSet prefetching ? prefetching.waitedNanos() : 0;
    }

    @Override
    public void close() throws SQLException {
      try (connection;
          statement) {
        rows.close(); // first: its reader thread must be off the connection before the commit
        if (copied) {
          connection.rollback();
        } else {
          connection.commit();
        }
      }
    }
  }
}
