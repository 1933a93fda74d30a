package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.SnapshotDataException;
import dev.storagebuilder.common.snapshot.SnapshotFileStats;
import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriter;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL COPY fast path against the real PostgreSQL (127.0.0.1:5432, must be running): it
 * must yield exactly what the JDBC path yields, value for value and byte for byte in the snapshot.
 */
class PostgresCopyReadIT {
  private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  private static final String SCHEMA = "sbcopy_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private static final String ACME = "acme";
  /** Values the snapshot writer rejects (infinities), read only to compare the getters. */
  private static final String EDGE = "edge";

  private static final String MANY = "many-" + SCHEMA;

  private static final String NAN = "nan";
  /** A double NaN PostgreSQL computed ('inf' - 'inf'): x86's default NaN, sign bit set. */
  private static final String COMPUTED_NAN = "computed-nan";
  private static final int MANY_ROWS = 200_000;

  private static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "all_types",
          "all_types",
          "client_id",
          List.of("id"),
          "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("b", ColumnType.BOOLEAN, true),
              ColumnDeclaration.of("i4", ColumnType.INT32, true),
              ColumnDeclaration.of("i2", ColumnType.INT32, true),
              ColumnDeclaration.of("i8", ColumnType.INT64, true),
              ColumnDeclaration.of("i8_from_i4", ColumnType.INT64, true),
              ColumnDeclaration.of("d", ColumnType.DOUBLE, true),
              ColumnDeclaration.decimal("n0", 18, 0, true),
              ColumnDeclaration.decimal("n4", 18, 4, true),
              ColumnDeclaration.decimal("n10", 38, 10, true),
              ColumnDeclaration.of("s", ColumnType.STRING, true),
              ColumnDeclaration.of("v", ColumnType.STRING, true),
              ColumnDeclaration.of("c", ColumnType.STRING, true),
              ColumnDeclaration.of("dt", ColumnType.DATE, true),
              ColumnDeclaration.of("ts", ColumnType.TIMESTAMP, true),
              ColumnDeclaration.of("tstz", ColumnType.TIMESTAMP, true),
              ColumnDeclaration.of("by", ColumnType.BYTES, true),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null,
          0);

  private static HikariDataSource pool;

  @BeforeAll
  static void createSource() throws SQLException {
    admin("CREATE SCHEMA " + SCHEMA);
    admin(
        "SET search_path = " + SCHEMA + ";"
            + "CREATE TABLE all_types (client_id text NOT NULL, id bigint NOT NULL, b boolean, i4 integer, i2 smallint,"
            + " i8 bigint, i8_from_i4 integer, d double precision, n0 numeric(18,0), n4 numeric(18,4), n10 numeric(38,10),"
            + " s text, v varchar(20), c char(5), dt date, ts timestamp, tstz timestamptz, by bytea, version bigint NOT NULL,"
            + " PRIMARY KEY (client_id, id));"
            + "SET TIME ZONE 'Europe/Berlin';"
            // every column NULL
            + "INSERT INTO all_types (client_id, id, version) VALUES ('acme', 1, 1);"
            // extremes and edges
            + row(2, "true", "2147483647", "32767", "9223372036854775807", "2147483647", "'1.7976931348623157e308'",
                "999999999999999999", "99999999999999.9999", "'1234567890123456789012345678.0123456789'",
                "'ž😀中文 \\ ''quoted'''", "''", "'ab'", "'0001-01-01'", "'1999-12-31 23:59:59.999999'",
                "'1969-12-31 23:59:59.999999+00'", "'\\x00ff10'")
            + row(3, "false", "-2147483648", "-32768", "-9223372036854775808", "-2147483648", "'-0'",
                "-999999999999999999", "-0.0001", "'-0.0000000001'", "''", "'x'", "''", "'0044-03-15 BC'",
                "'1900-01-01 00:00:00'", "'1900-01-01 12:34:56.5+05:30'", "''")
            + row(4, "true", "0", "0", "0", "0", "'NaN'", "0", "0", "0", "'a'", "'é'", "'abcde'", "'2000-01-01'",
                "'2000-01-01 00:00:00'", "'2000-01-01 00:00:00+00'", "'\\x'")
            + row(5, "true", "1", "-1", "1", "-1", "'Infinity'", "1", "1.5", "'0.1'", "repeat('long ', 20000)", "'v'",
                "'  x'", "'5874000-12-31'", "'200000-06-30 12:00:00.000001'", "'4000-01-01 00:00:00 BC'",
                "decode(repeat('ab', 100000), 'hex')")
            + row(6, "false", "42", "7", "-42", "7", "'-Infinity'", "-5", "-12.34", "'12345.6789'", "E'tab\\tnewline\\n'",
                "'x'", "'y'", "'1970-01-01'", "'1970-01-01 00:00:00'", "'2262-04-11 23:47:16.854775+00'",
                "'\\x7f80'")
            + row(7, "true", "3", "3", "3", "3", "'4.9e-324'", "7", "0.0001", "'-99999999.9999999999'", "'z'",
                "'z'", "'z'", "'1582-10-04'", "'1582-10-15 01:02:03.000009'", "'1000-01-01 00:00:00+00'", "'\\x01'")
            + "UPDATE all_types SET client_id = 'acme';"
            + edge(100, "'infinity'", "'infinity'", "'infinity'")
            + edge(101, "'-infinity'", "'-infinity'", "'-infinity'")
            + "INSERT INTO all_types (client_id, id, n4, version) VALUES ('nan', 1, 'NaN', 1);"
            + "INSERT INTO all_types (client_id, id, d, version) VALUES ('" + COMPUTED_NAN + "', 1,"
            + " 'inf'::float8 - 'inf'::float8, 1);"
            + "INSERT INTO all_types (client_id, id, i4, s, ts, n4, by, version) SELECT '" + MANY + "', g, g::int,"
            + " 'row ' || g, timestamp '2020-01-01' + g * interval '1 second', g / 7.0, '\\x0102', g"
            + " FROM generate_series(1, " + MANY_ROWS + ") g;"
            // Rows stored in key order, so a cursor's index scan and COPY's sequential scan return
            // them in the same order and the two snapshot files can be compared byte for byte.
            + "CLUSTER all_types USING all_types_pkey; ANALYZE all_types;"
            // A shared table where one client holds nearly every row: the planner alone scans it whole.
            + "CREATE TABLE shared (client_id text NOT NULL, id bigint NOT NULL, version bigint NOT NULL,"
            + " PRIMARY KEY (client_id, id));"
            + "CREATE INDEX shared_client_version ON shared (client_id, version);"
            + "INSERT INTO shared SELECT 'big', g, g FROM generate_series(1, 50000) g;"
            + "INSERT INTO shared VALUES ('small', 1, 1); ANALYZE shared;");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(ADMIN_URL + "&currentSchema=" + SCHEMA);
    config.setMaximumPoolSize(2);
    config.setPoolName("copy-it");
    pool = new HikariDataSource(config);
  }

  private static String row(int id, String... values) {
    return "INSERT INTO all_types (client_id, id, b, i4, i2, i8, i8_from_i4, d, n0, n4, n10, s, v, c, dt, ts, tstz, by,"
        + " version) VALUES ('acme', " + id + ", " + String.join(", ", values) + ", " + id + ");";
  }

  private static String edge(int id, String date, String timestamp, String timestamptz) {
    return "INSERT INTO all_types (client_id, id, dt, ts, tstz, version) VALUES ('" + EDGE + "', " + id + ", " + date
        + ", " + timestamp + ", " + timestamptz + ", " + id + ");";
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (pool != null) {
      pool.close();
    }
    admin("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
  }

  private static void admin(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static JdbcRowSource source(boolean copy) {
    // No settle wait: other sessions on the shared server would hold every read up for its timeout.
    return new JdbcRowSource(pool, "SELECT 'acme'", 500, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO), copy);
  }

  @Test
  void aChangeReadRunsRepeatableReadAndReadOnlyWithoutChangingThePooledSession() throws Exception {
    try (ChangeRead read = source(false).readChanges(TARGET, ACME, 0)) {
      Connection connection = read.deletes().getStatement().getConnection();
      assertThat(settings(connection, "transaction_isolation", "transaction_read_only", "enable_seqscan", "application_name"))
          .containsExactly("repeatable read", "on", "off", JdbcRowSource.READER_APPLICATION);
      // The transaction's own, not the session's (setting which costs a round trip and another to reset).
      assertThat(settings(connection, "default_transaction_isolation")).containsExactly("read committed");
    }
    // Set per transaction, not on the session: nothing for the pool to reset, nothing left behind.
    for (int i = 0; i < 2; i++) {
      try (Connection connection = pool.getConnection()) {
        assertThat(settings(connection, "transaction_isolation", "transaction_read_only", "enable_seqscan"))
            .containsExactly("read committed", "off", "on");
      }
    }
  }

  @Test
  void aChangeReadWithNothingAboveItsWatermarkHandsTheConnectionBackAtOnce() throws Exception {
    JdbcRowSource source = source(false);
    // acme's highest version is 7.
    try (ChangeRead read = source.readChanges(TARGET, ACME, 7)) {
      assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
      assertThat(read.deletes().next()).isFalse();
      assertThat(read.upserts().next()).isFalse();
      assertThat(read.fromVersion()).isEqualTo(7);
      assertThat(read.watermark()).isEqualTo(7);
    }
    try (ChangeRead read = source.readChanges(TARGET, ACME, 6)) {
      assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isOne();
      assertThat(read.deletes().next()).isFalse();
      ResultSet upserts = read.upserts();
      assertThat(upserts.next()).isTrue();
      assertThat(upserts.getLong(1)).isEqualTo(7);
      assertThat(upserts.next()).isFalse();
      assertThat(read.watermark()).isEqualTo(7);
    }
    assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
  }

  private static List<String> settings(Connection connection, String... names) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement sql = connection.createStatement()) {
      for (String name : names) {
        try (ResultSet row = sql.executeQuery("SELECT current_setting('" + name + "')")) {
          row.next();
          values.add(row.getString(1));
        }
      }
    }
    return values;
  }

  @Test
  void everyColumnTypeReadsAsCopyWhenTheSourceTypesDecodeExactly() throws SQLException {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      ResultSet rows = PostgresCopyRead.open(connection, TARGET, ACME);
      assertThat(rows).as("the COPY path is taken").isNotNull();
      int count = 0;
      while (rows.next()) {
        count++;
      }
      rows.close();
      connection.rollback();
      assertThat(count).isEqualTo(7);
    }
  }

  @Test
  void aSourceTypeWithoutAnExactDecoderReadsOverJdbc() throws SQLException {
    admin("CREATE TABLE " + SCHEMA + ".floaty (client_id text, id bigint, f real, version bigint)");
    TargetDeclaration floaty =
        new TargetDeclaration("floaty", "floaty", "client_id", List.of("id"), "version",
            List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("f", ColumnType.DOUBLE, true),
                ColumnDeclaration.of("version", ColumnType.INT64, false)), null, 0);
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      assertThat(PostgresCopyRead.open(connection, floaty, ACME)).isNull();
      connection.rollback();
    }
  }

  @Test
  void copyYieldsTheSameValuesAsJdbcForEveryTypeIncludingNullsAndEdges() throws SQLException {
    for (String client : List.of(ACME, EDGE)) {
      List<List<Object>> viaJdbc = rawRows(source(false), client);
      List<List<Object>> viaCopy = rawRows(source(true), client);
      assertThat(viaCopy).as(client).hasSize(client.equals(ACME) ? 7 : 2).isEqualTo(viaJdbc);
    }
  }

  @Test
  void aValueTheDriverCannotConvertFailsTheCopyReadAsItFailsTheJdbcRead() throws SQLException {
    SQLException viaJdbc = readFailure(source(false), NAN);
    SQLException viaCopy = readFailure(source(true), NAN);
    assertThat(viaCopy.getSQLState()).isEqualTo(viaJdbc.getSQLState());
    assertThat(new DefaultFailureClassifier().classify(viaCopy))
        .isEqualTo(new DefaultFailureClassifier().classify(viaJdbc));
  }

  @Test
  void aNanWithTheSignBitSetIsStoredFromCopyAsJdbcStoresIt() throws Exception {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet wire =
            statement.executeQuery("SELECT float8send(d) FROM all_types WHERE client_id = '" + COMPUTED_NAN + "'")) {
      wire.next();
      assertThat(HexFormat.of().formatHex(wire.getBytes(1))).as("the source's NaN").isEqualTo("fff8000000000000");
    }
    List<List<Object>> viaJdbc = rawRows(source(false), COMPUTED_NAN);
    assertThat(rawRows(source(true), COMPUTED_NAN)).isEqualTo(viaJdbc);
    assertThat(viaJdbc.get(0).get(TARGET.indexOf("d"))).isEqualTo(Double.doubleToRawLongBits(Double.NaN));

    InMemoryObjectStore store = new InMemoryObjectStore();
    SnapshotFileStats jdbcFile = write(source(false), COMPUTED_NAN, store, "jdbc");
    SnapshotFileStats copyFile = write(source(true), COMPUTED_NAN, store, "copy");
    assertThat(copyFile.checksum().toHex()).isEqualTo(jdbcFile.checksum().toHex());
    assertThat(store.get("copy")).isEqualTo(store.get("jdbc"));
  }

  @Test
  void theSnapshotWrittenFromCopyEqualsTheOneWrittenFromJdbcByteForByte() throws Exception {
    for (String client : List.of(ACME, MANY)) {
      InMemoryObjectStore store = new InMemoryObjectStore();
      SnapshotFileStats viaJdbc = write(source(false), client, store, "jdbc");
      SnapshotFileStats viaCopy = write(source(true), client, store, "copy");
      assertThat(viaCopy.rows()).isEqualTo(viaJdbc.rows()).isEqualTo(client.equals(ACME) ? 7 : MANY_ROWS);
      assertThat(viaCopy.checksum().toHex()).isEqualTo(viaJdbc.checksum().toHex());
      assertThat(readBack(store, viaCopy, "copy")).isEqualTo(readBack(store, viaJdbc, "jdbc"));
      assertThat(store.get("copy")).as(client).isEqualTo(store.get("jdbc"));
    }
  }

  @Test
  void decimalsDeclaredWiderThanTheSourceAreWrittenFromCopyAsFromJdbcByteForByte() throws Exception {
    // Scaled up from the wire's digits: within a long (n0, -0.0001 at scale 22), past a long (1.5 at
    // scale 22 is 15 * 10^21), and on COPY's general path (999999999999999999: its digits do not fit
    // the wire form's long).
    TargetDeclaration wider = redeclare(Map.of(
        "n0", ColumnDeclaration.decimal("n0", 38, 8, true),
        "n4", ColumnDeclaration.decimal("n4", 38, 22, true)));
    for (String client : List.of(ACME, MANY)) {
      InMemoryObjectStore store = new InMemoryObjectStore();
      SnapshotFileStats viaJdbc = write(source(false), wider, client, store, "jdbc");
      SnapshotFileStats viaCopy = write(source(true), wider, client, store, "copy");
      assertThat(viaCopy.checksum().toHex()).isEqualTo(viaJdbc.checksum().toHex());
      assertThat(store.get("copy")).as(client).isEqualTo(store.get("jdbc"));
    }
  }

  @Test
  void aValueTheWriterRejectsIsRejectedFromCopyWithTheSameMessageAsFromJdbc() {
    List<Map.Entry<String, TargetDeclaration>> cases = List.of(
        // infinite dates and timestamps
        Map.entry(EDGE, TARGET),
        // 0.1429 needs rounding at scale 2
        Map.entry(MANY, redeclare(Map.of("n4", ColumnDeclaration.decimal("n4", 18, 2, true)))),
        // 1.0000 has 5 digits at scale 4
        Map.entry(MANY, redeclare(Map.of("n4", ColumnDeclaration.decimal("n4", 4, 4, true)))),
        // 999999999999999999 has 18 digits (COPY's general path: its digits do not fit a long)
        Map.entry(ACME, redeclare(Map.of("n0", ColumnDeclaration.decimal("n0", 10, 0, true)))));
    for (Map.Entry<String, TargetDeclaration> c : cases) {
      Exception viaJdbc = writeFailure(source(false), c.getValue(), c.getKey());
      Exception viaCopy = writeFailure(source(true), c.getValue(), c.getKey());
      assertThat(viaJdbc).isInstanceOf(SnapshotDataException.class);
      assertThat(viaCopy).as(c.getKey()).isInstanceOf(SnapshotDataException.class).hasMessage(viaJdbc.getMessage());
    }
  }

  /** TARGET with some columns declared otherwise. */
  private static TargetDeclaration redeclare(Map<String, ColumnDeclaration> columns) {
    List<ColumnDeclaration> declared =
        TARGET.columns().stream().map(c -> columns.getOrDefault(c.name(), c)).toList();
    return new TargetDeclaration(
        TARGET.name(), TARGET.table(), TARGET.clientColumn(), TARGET.keyColumns(), TARGET.versionColumn(), declared,
        TARGET.deletes(), TARGET.estimatedRowsPerClient());
  }

  private static Exception writeFailure(JdbcRowSource source, TargetDeclaration target, String client) {
    try {
      write(source, target, client, new InMemoryObjectStore(), "rejected");
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("writing " + client + " as " + target.columns() + " did not fail");
  }

  @Test
  void aFullReadOfOneClientNeverScansTheWholeSharedTable() throws Exception {
    TargetDeclaration shared =
        new TargetDeclaration(
            "shared", "shared", "client_id", List.of("id"), "version",
            List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false)),
            null, 0);
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet plan = statement.executeQuery("EXPLAIN SELECT id, version FROM shared WHERE client_id = 'big'")) {
      plan.next();
      assertThat(plan.getString(1)).as("the planner's own choice").startsWith("Seq Scan");
    }
    long sequentialBefore = tableScans("seq_scan");
    long indexBefore = tableScans("idx_scan");
    for (boolean copy : List.of(true, false)) {
      assertThat(write(source(copy), shared, "big", new InMemoryObjectStore(), "big").rows()).isEqualTo(50_000);
    }
    // A backend reports its table statistics at the latest when it ends.
    pool.getHikariPoolMXBean().softEvictConnections();
    await().atMost(Duration.ofSeconds(30)).until(() -> tableScans("idx_scan") >= indexBefore + 2);
    assertThat(tableScans("seq_scan")).isEqualTo(sequentialBefore);
  }

  private static long tableScans(String counter) throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT " + counter + " FROM pg_stat_user_tables WHERE schemaname = '" + SCHEMA + "' AND relname = 'shared'")) {
      result.next();
      return result.getLong(1);
    }
  }

  @Test
  void anAbandonedCopyIsCancelledAndItsConnectionReturnsToThePoolUsable() throws Exception {
    JdbcRowSource source = source(true);
    long started = System.nanoTime();
    try (SourceRead read = source.readAll(TARGET, MANY)) {
      ResultSet rows = read.rows();
      for (int i = 0; i < 10; i++) {
        assertThat(rows.next()).isTrue();
      }
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
    // Every pooled connection still works: a full read on each of them.
    for (int i = 0; i < 3; i++) {
      assertThat(rawRows(source, ACME)).hasSize(7);
    }
    assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
  }

  @Test
  void aConnectionLostMidCopyFailsTheReadRetryably() throws Exception {
    JdbcRowSource source = source(true);
    SQLException failure = null;
    try (SourceRead read = source.readAll(TARGET, MANY)) {
      ResultSet rows = read.rows();
      assertThat(rows.next()).isTrue();
      // Only this test's COPY: its query names this run's unique client.
      await().atMost(Duration.ofSeconds(10)).until(() -> terminate("COPY %" + MANY + "%") > 0);
      int seen = 1;
      try {
        while (rows.next()) {
          seen++;
        }
      } catch (SQLException e) {
        failure = e;
      }
      assertThat(seen).isLessThan(MANY_ROWS);
    } catch (SQLException e) {
      // closing the dead connection may fail too; the read's own failure is what counts
    }
    assertThat((Throwable) failure).isNotNull();
    assertThat(new DefaultFailureClassifier().classify(failure).retryable()).as(String.valueOf(failure)).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
    assertThat(rawRows(source, ACME)).hasSize(7);
  }

  private static int terminate(String queryPattern) throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN_URL);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '"
                    + queryPattern + "' AND pid <> pg_backend_pid()")) {
      result.next();
      return result.getInt(1);
    }
  }

  private static SQLException readFailure(JdbcRowSource source, String client) {
    try (SourceRead read = source.readAll(TARGET, client)) {
      ResultSet rows = read.rows();
      while (rows.next()) {
        rows.getBigDecimal(TARGET.indexOf("n4") + 1);
      }
    } catch (SQLException e) {
      return e;
    }
    throw new AssertionError("reading NaN as a decimal did not fail");
  }

  /** Each row as the getters of the declared types return it (the values the writer converts). */
  private static List<List<Object>> rawRows(JdbcRowSource source, String client) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (SourceRead read = source.readAll(TARGET, client)) {
      ResultSet rs = read.rows();
      boolean[] zoned = new boolean[TARGET.columns().size()];
      for (int c = 0; c < zoned.length; c++) {
        zoned[c] = PrefetchingResultSet.zoned(rs.getMetaData().getColumnType(c + 1), rs.getMetaData().getColumnTypeName(c + 1));
      }
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int c = 0; c < zoned.length; c++) {
          int i = c + 1;
          Object value =
              switch (TARGET.columns().get(c).type()) {
                case BOOLEAN -> rs.getBoolean(i);
                case INT32 -> rs.getInt(i);
                case INT64 -> rs.getLong(i);
                case DOUBLE -> Double.doubleToRawLongBits(rs.getDouble(i));
                // toPlainString: equal scale too, not only equal value
                case DECIMAL -> rs.getBigDecimal(i) == null ? null : rs.getBigDecimal(i).toPlainString();
                case STRING -> {
                  String text = rs.getString(i);
                  assertThat(rs.getObject(i, String.class)).isEqualTo(text);
                  yield text;
                }
                case DATE -> rs.getObject(i, LocalDate.class);
                case TIMESTAMP -> zoned[c] ? rs.getObject(i, OffsetDateTime.class) : rs.getObject(i, LocalDateTime.class);
                case BYTES -> rs.getBytes(i) == null ? null : HexFormat.of().formatHex(rs.getBytes(i));
              };
          row.add(rs.wasNull() ? "NULL" : value);
        }
        rows.add(row);
      }
    }
    rows.sort((a, b) -> Long.compare((Long) a.get(0), (Long) b.get(0)));
    return rows;
  }

  private static SnapshotFileStats write(JdbcRowSource source, String client, InMemoryObjectStore store, String key)
      throws Exception {
    return write(source, TARGET, client, store, key);
  }

  private static SnapshotFileStats write(
      JdbcRowSource source, TargetDeclaration target, String client, InMemoryObjectStore store, String key)
      throws Exception {
    try (SourceRead read = source.readAll(target, client);
        SnapshotWriter writer =
            SnapshotWriter.open(target, SnapshotKind.BASE, store.create(key), SnapshotWriterOptions.defaults())) {
      ResultSet rows = read.rows();
      while (rows.next()) {
        writer.writeRow(rows);
      }
      return writer.finish();
    }
  }

  private static List<String> readBack(InMemoryObjectStore store, SnapshotFileStats stats, String key) throws Exception {
    List<String> rows = new ArrayList<>();
    try (CloseableIterator<Object[]> it = SnapshotReader.readFile(store, stats.toObject(key, 0, 0), TARGET.columns())) {
      while (it.hasNext()) {
        rows.add(Arrays.deepToString(it.next()));
      }
    }
    return rows;
  }
}
