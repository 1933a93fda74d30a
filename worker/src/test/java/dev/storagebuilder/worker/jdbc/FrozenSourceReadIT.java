package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.FreezingTcpProxy;
import dev.storagebuilder.worker.pipeline.LeaseKeeper;
import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.ManualScheduler;
import dev.storagebuilder.worker.testing.RecordingAcknowledger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A full read from a source that stops answering mid-result-set (a network partition, a frozen
 * host: no reset ever arrives), through a proxy that stops passing bytes. Nothing abandons such a
 * read before the lease's 12 h limit, so the pool's read timeout must end it, as a failure worth
 * retrying. Real PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306), database {@code test}.
 */
class FrozenSourceReadIT {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
  private static final String CLIENT = "frozen";
  /** Far more than the sockets on the way buffer (~200 bytes a row, 60 MB), so a COPY or a streaming MariaDB read still waits on the wire when frozen. */
  private static final int ROWS = 300_000;
  private static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test";

  private static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items",
          "items",
          "client_id",
          List.of("id"),
          "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("version", ColumnType.INT64, false),
              ColumnDeclaration.of("payload", ColumnType.STRING, false)),
          null,
          0);

  private static PostgresTestSchema postgres;
  private static String mariaDbTable;

  private FreezingTcpProxy proxy;
  private HikariDataSource pool;

  @BeforeAll
  static void createSources() throws SQLException {
    postgres = PostgresTestSchema.create("sbfrozen_", 1);
    postgres.admin(
        "CREATE TABLE items (client_id text NOT NULL, id bigint NOT NULL, version bigint NOT NULL, payload text NOT NULL,"
            + " PRIMARY KEY (client_id, id));"
            + "INSERT INTO items SELECT '" + CLIENT + "', g, g, repeat('x', 180) FROM generate_series(1, " + ROWS + ") g;");
    mariaDbTable = "sbfrozen_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    mariaDb("CREATE TABLE " + mariaDbTable + " (client_id varchar(20) NOT NULL, id bigint NOT NULL,"
        + " version bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (client_id, id))");
    mariaDb("INSERT INTO " + mariaDbTable + " SELECT '" + CLIENT + "', seq, seq, REPEAT('x', 180) FROM seq_1_to_" + ROWS);
  }

  @AfterAll
  static void dropSources() throws SQLException {
    if (postgres != null) {
      postgres.close();
    }
    if (mariaDbTable != null) {
      mariaDb("DROP TABLE IF EXISTS " + mariaDbTable);
    }
  }

  /** The proxy first: closing the pool aborts its connections, which MariaDB's driver does only once a blocked read lets go. */
  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void aPostgresCursorReadFailsRetryablyWhenTheSourceStopsAnsweringMidResultSet() throws Exception {
    readFreezeAndExpectARetryableFailure(postgresSource(), false, ITEMS);
  }

  @Test
  void aPostgresCopyReadFailsRetryablyWhenTheSourceStopsAnsweringMidResultSet() throws Exception {
    readFreezeAndExpectARetryableFailure(postgresSource(), true, ITEMS);
  }

  @Test
  void aMariaDbReadFailsRetryablyWhenTheSourceStopsAnsweringMidResultSet() throws Exception {
    readFreezeAndExpectARetryableFailure(mariaDbSource(), false, mariaDbItems());
  }

  /**
   * The clients query runs holding the source's monitor: every target of the worker waits behind
   * it, uninterruptibly. On a frozen source its query timeout's cancel never gets an answer, so it
   * held them all for the whole read timeout (15 min by default) rather than about its own 30 s.
   */
  @Test
  void aClientsQueryOnAFrozenSourceFailsSoonAfterItsQueryTimeoutRatherThanAfterTheReadTimeout() throws Exception {
    SourceConfig source = postgresSource();
    pool = SourcePool.open(source, 1, Duration.ofSeconds(5), Duration.ofMinutes(10));
    String marker = "sb_frozen_clients_probe";
    JdbcRowSource rows =
        new JdbcRowSource(pool, "SELECT 'c' || g AS " + marker + " FROM generate_series(1, 3) g, pg_sleep(1)", 100,
            Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO), false, 2);

    java.util.concurrent.CompletableFuture<Boolean> hung =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return rows.clientExists("c1"); // the first question reads the list
          } catch (SQLException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> postgresQueryRunning(marker));
    proxy.freeze();

    // Query timeout (2 s) + the margin above it; PgJDBC's cancel waits out its own 10 s meanwhile.
    await().atMost(Duration.ofSeconds(40)).until(hung::isDone);
    assertThat(hung).isCompletedExceptionally();
    Throwable failure = hung.handle((ok, e) -> e.getCause()).get();
    assertThat(failure).isInstanceOf(SQLException.class);
    assertThat(new DefaultFailureClassifier().classify(failure).retryable()).as(failure.toString()).isTrue();
  }

  /** The clients query's shorter limit stays with the query: the next read on that connection has the pool's. */
  @Test
  void theConnectionOfAClientsQueryGoesBackToThePoolWithThePoolsReadTimeout() throws Exception {
    pool = SourcePool.open(postgresSource(), 1, Duration.ofSeconds(5), Duration.ofMinutes(10));
    JdbcRowSource rows =
        new JdbcRowSource(pool, "SELECT 'c1'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO), false);

    assertThat(rows.clientExists("c1")).isTrue();

    try (Connection connection = pool.getConnection()) {
      assertThat(connection.getNetworkTimeout()).isEqualTo(600_000);
    }
  }

  /**
   * A target that loses its lease (the heartbeat finds the message no longer ours) is interrupted,
   * but no interrupt reaches a read blocked on a frozen source: it held its thread and its source
   * slot until the read timeout (15 min by default, 10 min here), long after another worker took
   * its message. The lost lease aborts the reads of its target's thread.
   */
  @Test
  void aMariaDbReadOnAFrozenSourceEndsAtOnceWhenItsTargetLosesItsLease() throws Exception {
    readFreezeLoseTheLeaseAndExpectTheReadToEnd(mariaDbSource(), false, mariaDbItems());
  }

  @Test
  void aPostgresCursorReadOnAFrozenSourceEndsAtOnceWhenItsTargetLosesItsLease() throws Exception {
    readFreezeLoseTheLeaseAndExpectTheReadToEnd(postgresSource(), false, ITEMS);
  }

  @Test
  void aPostgresCopyReadOnAFrozenSourceEndsAtOnceWhenItsTargetLosesItsLease() throws Exception {
    readFreezeLoseTheLeaseAndExpectTheReadToEnd(postgresSource(), true, ITEMS);
  }

  /**
   * A COPY abandoned while its reader waits between batches (the target's thread stopped taking
   * rows) is cancelled and read to its end. Its source froze meanwhile and its connection is aborted
   * a moment later (a lost lease or a stop interrupts the target and aborts its connections from
   * other threads: either may come first). PgJDBC's cancel, on a connection of its own to the frozen
   * source, waited out its 10 s cancelSignalTimeout whatever became of the COPY's connection, and the
   * target unwound 10 s after the abort instead of at once.
   */
  @Test
  void aPostgresCopyAbandonedBetweenBatchesUnwindsAtOnceWhenItsConnectionIsAbortedWhileItsCancelWaitsOnTheFrozenSource()
      throws Exception {
    pool = SourcePool.open(postgresSource(), 1, Duration.ofSeconds(5), Duration.ofMinutes(10));
    SourceConnections connections = new SourceConnections(pool);
    JdbcRowSource rows =
        new JdbcRowSource(connections, "SELECT 'frozen'", 100, Clock.systemUTC(),
            new ChangeReadSettings(0, Duration.ZERO), true);
    Set<Thread> readersBefore = prefetchThreads();
    SourceRead read = rows.readAll(ITEMS, CLIENT);
    ResultSet result = read.rows();
    for (int i = 0; i < 5_000; i++) {
      assertThat(result.next()).isTrue();
    }
    Thread reader = newPrefetchThread(readersBefore);
    await("the reader waits for a free batch, off the socket").atMost(Duration.ofSeconds(10))
        .during(Duration.ofMillis(300))
        .until(() -> inMethod(reader, "nextFreeBatch") && !inMethod(reader, "readFromCopy"));
    proxy.freeze();

    AtomicReference<Throwable> closeFailure = new AtomicReference<>();
    Thread closing =
        Thread.ofPlatform().name("target-abandons").daemon(true).start(() -> {
          try {
            read.close();
          } catch (Throwable e) {
            closeFailure.set(e);
          }
        });
    await("the cancel reached the frozen source").atMost(Duration.ofSeconds(10))
        .until(() -> proxy.heldConnections() > 0);
    long abortedAt = System.nanoTime();
    assertThat(connections.abortAll()).isEqualTo(1);

    await().atMost(Duration.ofSeconds(20)).until(() -> !closing.isAlive());
    assertThat(Duration.ofNanos(System.nanoTime() - abortedAt))
        .as("closing the read after its connection was aborted, well within PgJDBC's 10 s cancel timeout")
        .isLessThan(Duration.ofSeconds(3));
    // The rollback after the COPY finds the connection gone: it failed, and left the pool.
    assertThat(closeFailure.get()).isInstanceOf(SQLException.class);
    assertThat(((SQLException) closeFailure.get()).getSQLState()).startsWith("08");
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
  }

  /**
   * The same with the reader blocked on the frozen socket when the target gives up: the read's close
   * cancels the statement the reader waits on (no interrupt reaches it), and that cancel too waited
   * out its 10 s on the frozen source after the connection was aborted.
   */
  @Test
  void aPostgresCopyReadBlockedOnAFrozenSourceUnwindsAtOnceWhenItsConnectionIsAbortedWhileItsCancelWaits()
      throws Exception {
    readBlockOnTheFrozenSourceAbandonAndAbortWhileTheCancelWaits(postgresSource(), true, ITEMS);
  }

  @Test
  void aPostgresCursorReadBlockedOnAFrozenSourceUnwindsAtOnceWhenItsConnectionIsAbortedWhileItsCancelWaits()
      throws Exception {
    readBlockOnTheFrozenSourceAbandonAndAbortWhileTheCancelWaits(postgresSource(), false, ITEMS);
  }

  /** MariaDB's cancel sends KILL QUERY over a new connection, which the frozen source holds too. */
  @Test
  void aMariaDbReadBlockedOnAFrozenSourceUnwindsAtOnceWhenItsConnectionIsAbortedWhileItsCancelWaits()
      throws Exception {
    readBlockOnTheFrozenSourceAbandonAndAbortWhileTheCancelWaits(mariaDbSource(), false, mariaDbItems());
  }

  private void readBlockOnTheFrozenSourceAbandonAndAbortWhileTheCancelWaits(
      SourceConfig source, boolean copy, TargetDeclaration table) throws Exception {
    pool = SourcePool.open(source, 1, Duration.ofSeconds(5), Duration.ofMinutes(10));
    SourceConnections connections = new SourceConnections(pool);
    JdbcRowSource rows =
        new JdbcRowSource(connections, "SELECT 'frozen'", 100, Clock.systemUTC(),
            new ChangeReadSettings(0, Duration.ZERO), copy);
    Set<Thread> readersBefore = prefetchThreads();
    FreezingRead read = new FreezingRead("target-frozen", rows, table, () -> () -> {});
    Thread target = read.thread;
    assertThat(read.frozen.await(30, TimeUnit.SECONDS)).isTrue();
    Thread reader = newPrefetchThread(readersBefore);
    await("the reader waits on the frozen socket").atMost(Duration.ofSeconds(10))
        .during(Duration.ofMillis(300))
        .until(() -> blockedOnTheSocket(reader));

    target.interrupt(); // what a lost lease does first: the target closes its read, which cancels
    await("the cancel reached the frozen source").atMost(Duration.ofSeconds(10))
        .until(() -> proxy.heldConnections() > 0);
    long abortedAt = System.nanoTime();
    assertThat(connections.abortAll()).isEqualTo(1); // and then: its connections are aborted

    await().atMost(Duration.ofSeconds(20)).until(() -> !target.isAlive());
    assertThat(Duration.ofNanos(System.nanoTime() - abortedAt))
        .as("the target unwound after its connection was aborted, well within the cancel's wait (PgJDBC: 10 s)")
        .isLessThan(Duration.ofSeconds(3));
    assertThat(read.seen.get()).as("the read was cut short").isBetween(5_000L, ROWS - 1L);
    assertThat(read.failure.get()).isInstanceOf(SQLException.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
  }

  /**
   * Reads {@code table} on a thread of its own, with {@code alongside} (a held lease, say) open for
   * the read's length, and freezes the source once 5,000 rows came.
   */
  private final class FreezingRead {
    final AtomicLong seen = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final CountDownLatch frozen = new CountDownLatch(1);
    final Thread thread;

    FreezingRead(String threadName, JdbcRowSource rows, TargetDeclaration table, Callable<AutoCloseable> alongside) {
      thread = Thread.ofPlatform().name(threadName).daemon(true).start(() -> {
        try (AutoCloseable held = alongside.call();
            SourceRead read = rows.readAll(table, CLIENT)) {
          ResultSet result = read.rows();
          while (result.next()) {
            if (seen.incrementAndGet() == 5_000) {
              proxy.freeze();
              frozen.countDown();
            }
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
    }
  }

  private static Set<Thread> prefetchThreads() {
    Set<Thread> threads = new HashSet<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("prefetch-")) {
        threads.add(thread);
      }
    }
    return threads;
  }

  /** The reader thread the read started: the one prefetch thread that was not there before. */
  private static Thread newPrefetchThread(Set<Thread> before) {
    Set<Thread> started = prefetchThreads();
    started.removeAll(before);
    assertThat(started).hasSize(1);
    return started.iterator().next();
  }

  /** Whether {@code thread} waits for bytes from a socket, parked in the JDK's socket read. */
  private static boolean blockedOnTheSocket(Thread thread) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals("sun.nio.ch.NioSocketImpl") && frame.getMethodName().equals("park")) {
        return true;
      }
    }
    return false;
  }

  private static boolean inMethod(Thread thread, String method) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getMethodName().equals(method)) {
        return true;
      }
    }
    return false;
  }

  private void readFreezeLoseTheLeaseAndExpectTheReadToEnd(SourceConfig source, boolean copy, TargetDeclaration target)
      throws Exception {
    pool = SourcePool.open(source, 1, Duration.ofSeconds(5), Duration.ofMinutes(10));
    SourceConnections connections = new SourceConnections(pool);
    JdbcRowSource rows =
        new JdbcRowSource(connections, source.clientsQuery(), 100, Clock.systemUTC(),
            new ChangeReadSettings(0, Duration.ZERO), copy);
    RecordingAcknowledger queue = new RecordingAcknowledger();
    ManualScheduler heartbeat = new ManualScheduler();
    LeaseKeeper leases = new LeaseKeeper(queue, heartbeat, Duration.ofSeconds(60), failure -> false, connections);
    ReceivedMessage message = new ReceivedMessage("m1", "{}", "handle-m1", 1, Map.of(), Instant.EPOCH);
    FreezingRead read = new FreezingRead("target-frozen", rows, target, () -> leases.hold(message));
    Thread holder = read.thread;
    assertThat(read.frozen.await(30, TimeUnit.SECONDS)).isTrue();
    queue.failExtendWhen(m -> true);

    long lostAt = System.nanoTime();
    heartbeat.advance(Duration.ofSeconds(30));

    await().atMost(Duration.ofSeconds(15)).until(() -> !holder.isAlive());
    assertThat(Duration.ofNanos(System.nanoTime() - lostAt)).as("well before the read timeout")
        .isLessThan(Duration.ofSeconds(15));
    assertThat(queue.calls()).containsExactly("extend-failed m1");
    assertThat(read.seen.get()).as("the read was cut short").isBetween(5_000L, ROWS - 1L);
    assertThat(read.failure.get()).isInstanceOf(SQLException.class);
    // The source slot's connection is not kept: the next target gets a fresh one.
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
  }

  private static boolean postgresQueryRunning(String marker) throws SQLException {
    try (Connection direct = DriverManager.getConnection(PostgresTestSchema.ADMIN_URL);
        ResultSet running = direct.createStatement().executeQuery(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" + marker
                + "%' AND pid <> pg_backend_pid()")) {
      running.next();
      return running.getInt(1) > 0;
    }
  }

  private SourceConfig postgresSource() throws Exception {
    proxy = new FreezingTcpProxy(5432);
    return new SourceConfig(
        "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test?connectTimeout=5&currentSchema=" + postgres.name(),
        "postgres", null, "SELECT 'frozen'", List.of(ITEMS));
  }

  private SourceConfig mariaDbSource() throws Exception {
    proxy = new FreezingTcpProxy(3306);
    return new SourceConfig(
        "jdbc:mariadb://127.0.0.1:" + proxy.port() + "/test", "root", null, "SELECT 'frozen'", List.of(ITEMS));
  }

  private TargetDeclaration mariaDbItems() {
    return new TargetDeclaration(
        "items", mariaDbTable, "client_id", List.of("id"), "version", ITEMS.columns(), null, 0);
  }

  /** Reads until some rows came, freezes the proxy, and expects the read to fail soon after the read timeout. */
  private void readFreezeAndExpectARetryableFailure(SourceConfig source, boolean copy, TargetDeclaration target) {
    pool = SourcePool.open(source, 1, Duration.ofSeconds(5), READ_TIMEOUT);
    JdbcRowSource rows =
        new JdbcRowSource(pool, source.clientsQuery(), 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO),
            copy);
    FreezingRead read = new FreezingRead("frozen-read", rows, target, () -> () -> {});
    Thread reader = read.thread;

    await().atMost(Duration.ofSeconds(30)).until(() -> !reader.isAlive());
    assertThat(read.seen.get()).as("rows read before the source froze, and not all of them").isBetween(5_000L, ROWS - 1L);
    assertThat(read.failure.get()).isInstanceOf(SQLException.class);
    Failure classified = new DefaultFailureClassifier().classify(read.failure.get());
    assertThat(classified.retryable()).as(read.failure.get().toString()).isTrue();
    assertThat(classified.reasonCode()).isEqualTo("source-unavailable");
    // The broken connection left the pool: the next target gets a fresh one.
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
  }

  private static void mariaDb(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(MARIADB, "root", null);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
