package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.SnapshotDataException;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PrefetchingResultSetTest {
  /** Crosses several batch boundaries and ends mid-batch. */
  private static final int ROWS = 2 * PrefetchingResultSet.BATCH_ROWS * PrefetchingResultSet.BATCHES + 17;

  @Test
  void yieldsExactlyTheRowsAndNullsOfTheSourceForEveryColumnType() throws Exception {
    for (String name : List.of("raw_data", "entities", "dimensions", "data_items")) {
      TargetDeclaration target = SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target(name).orElseThrow();
      try (Connection c = DriverManager.getConnection("jdbc:h2:mem:prefetch-" + name)) {
        load(c, target);
        List<Object[]> direct = read(c, target, false);
        List<Object[]> prefetched = read(c, target, true);
        assertThat(prefetched).hasSize(ROWS);
        for (int i = 0; i < ROWS; i++) {
          assertThat(Arrays.deepEquals(prefetched.get(i), direct.get(i)))
              .as("%s row %d: %s vs %s", name, i, Arrays.deepToString(prefetched.get(i)), Arrays.deepToString(direct.get(i)))
              .isTrue();
        }
      }
    }
  }

  @Test
  void anEmptyResultEndsAtOnce() throws Exception {
    TargetDeclaration target = SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target("raw_data").orElseThrow();
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:prefetch-empty")) {
      create(c, target);
      try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target))) {
        s.setString(1, "nobody");
        try (ResultSet rows = new PrefetchingResultSet(s.executeQuery(), target)) {
          assertThat(rows.next()).isFalse();
          assertThat(rows.next()).isFalse();
        }
      }
    }
  }

  @Test
  void aFailingSourceFailsTheConsumerWithTheSourceErrorAfterTheRowsBeforeIt() throws Exception {
    TargetDeclaration target = SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target("raw_data").orElseThrow();
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:prefetch-fail")) {
      load(c, target);
      try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target))) {
        s.setString(1, "client");
        int failAt = PrefetchingResultSet.BATCH_ROWS + 5;
        try (ResultSet rows = new PrefetchingResultSet(ScriptedSource.failingAt(s.executeQuery(), failAt), target)) {
          int seen = 0;
          SQLException error = null;
          try {
            while (rows.next()) {
              seen++;
            }
          } catch (SQLException e) {
            error = e;
          }
          assertThat((Throwable) error).hasMessage("source broke");
          assertThat(seen).isEqualTo(PrefetchingResultSet.BATCH_ROWS);
        }
      }
    }
  }

  @Test
  void anErrorOnTheReaderThreadFailsTheConsumerInsteadOfLeavingItWaitingForever() throws Exception {
    TargetDeclaration target =
        new TargetDeclaration("doubles", "doubles", "client_id", List.of("id"), "id",
            List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("d", ColumnType.DOUBLE, true)),
            null, 0);
    // What decoding a value too large for the heap does on the reader thread.
    PrefetchingResultSet.RowFeed outOfMemory =
        new PrefetchingResultSet.RowFeed() {
          @Override
          public boolean next(long[][] longs, Object[][] refs, boolean[][] nulls, long[][] scales, int row) {
            throw new OutOfMemoryError("Java heap space");
          }

          @Override
          public void close() {}
        };
    try (ResultSet rows =
        new PrefetchingResultSet(
            outOfMemory,
            target,
            PrefetchingResultSet.snapshotMetaData(2, new int[] {Types.BIGINT, Types.DOUBLE}, new String[] {"int8", "float8"}))) {
      Throwable error = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> catchThrowable(rows::next));

      assertThat(error).isInstanceOf(SQLException.class).hasMessageContaining("OutOfMemoryError: Java heap space");
      assertThat(error).hasRootCauseInstanceOf(OutOfMemoryError.class);
    }
  }

  @Test
  void theTimeTheConsumerWaitsForRowsIsCounted() throws Exception {
    TargetDeclaration target = SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target("raw_data").orElseThrow();
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:prefetch-wait")) {
      load(c, target);
      try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target))) {
        s.setString(1, "client");
        CountDownLatch firstRow = new CountDownLatch(1);
        try (PrefetchingResultSet rows = new PrefetchingResultSet(ScriptedSource.heldBack(s.executeQuery(), firstRow), target)) {
          Thread consumer = Thread.currentThread();
          // The source answers only once the consumer is blocked waiting for its first batch.
          Thread source = Thread.ofPlatform().start(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.getState() == Thread.State.TIMED_WAITING);
            firstRow.countDown();
          });
          long asked = System.nanoTime();
          assertThat(rows.next()).isTrue();
          long answered = System.nanoTime() - asked;
          source.join();

          assertThat(rows.waitedNanos()).isPositive().isLessThanOrEqualTo(answered);
        }
      }
    }
  }

  @Test
  void aZeroDateReachesTheFailureClassifierAsPermanentUnserializableData() throws Exception {
    TargetDeclaration target =
        new TargetDeclaration(
            "dates",
            "dates",
            "client_id",
            List.of("id"),
            "id",
            List.of(
                ColumnDeclaration.of("id", ColumnType.INT64, false),
                ColumnDeclaration.of("d", ColumnType.DATE, true),
                ColumnDeclaration.of("t", ColumnType.TIMESTAMP, true)),
            null,
            0);
    for (String zero : List.of("0000-00-00", "2020-00-00")) {
      try (ResultSet rows = new PrefetchingResultSet(new MariaDbZeroDates(zero), target)) {
        JdbcValues values = JdbcValues.of(target);
        List<Object[]> read = new ArrayList<>();

        Throwable error =
            catchThrowable(
                () -> {
                  while (rows.next()) {
                    read.add(values.read(rows));
                  }
                });

        assertThat(error)
            .as(zero)
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("target 'dates': column 'd' holds the zero or invalid date '" + zero + "'");
        Failure failure = new DefaultFailureClassifier().classify(error);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reasonCode()).isEqualTo("unserializable-data");
        assertThat(failure.detail()).contains("column 'd'", zero);
        // The batch before the zero date came through, its SQL NULLs as nulls.
        assertThat(read).hasSize(PrefetchingResultSet.BATCH_ROWS);
        assertThat(read.get(0)).containsExactly(1L, LocalDate.of(2020, 1, 2), LocalDateTime.of(2020, 1, 2, 3, 4).toInstant(ZoneOffset.UTC));
        assertThat(read.get(1)).containsExactly(2L, null, null);
      }
    }
  }

  /**
   * What MariaDB Connector/J does with a DATE column's zero date (sql_mode without NO_ZERO_DATE):
   * '0000-00-00' comes back from getObject as null with wasNull() set, '2020-00-00' throws
   * DateTimeException; getString shows both. A batch of rows alternating values and NULLs, then
   * {@code zero} in column d.
   */
  private static final class MariaDbZeroDates extends UnsupportedResultSet {
    private static final int ZERO_ROW = PrefetchingResultSet.BATCH_ROWS + 1;
    private final String zero;
    private int row;
    private boolean lastNull;

    MariaDbZeroDates(String zero) {
      this.zero = zero;
    }

    @Override
    public boolean next() {
      return ++row <= ZERO_ROW;
    }

    @Override
    public java.sql.ResultSetMetaData getMetaData() {
      return PrefetchingResultSet.snapshotMetaData(
          3, new int[] {Types.BIGINT, Types.DATE, Types.TIMESTAMP}, new String[] {"BIGINT", "DATE", "DATETIME"});
    }

    @Override
    public long getLong(int i) {
      lastNull = false;
      return row;
    }

    @Override
    public <T> T getObject(int i, Class<T> type) {
      if (row == ZERO_ROW && i == 2) {
        if (!zero.startsWith("0000")) {
          throw new DateTimeException("Invalid value for MonthOfYear (valid values 1 - 12): 0");
        }
        lastNull = true;
        return null;
      }
      Object value = row % 2 == 0 ? null : i == 2 ? LocalDate.of(2020, 1, 2) : LocalDateTime.of(2020, 1, 2, 3, 4);
      lastNull = value == null;
      return type.cast(value);
    }

    @Override
    public String getString(int i) {
      String value = row == ZERO_ROW && i == 2 ? zero : row % 2 == 0 ? null : String.valueOf(getObject(i, Object.class));
      lastNull = value == null;
      return value;
    }

    @Override
    public boolean wasNull() {
      return lastNull;
    }

    @Override
    public void close() {}
  }

  @Test
  void aNanIsHandedOnAsJavasOneNanWhateverBitsTheDriverGave() throws Exception {
    TargetDeclaration target =
        new TargetDeclaration("doubles", "doubles", "client_id", List.of("id"), "id",
            List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("d", ColumnType.DOUBLE, true)),
            null, 0);
    // x86's default NaN, sign bit set, as a driver's binary transfer hands on what PostgreSQL computed.
    double signedNan = Double.longBitsToDouble(0xfff8000000000000L);
    try (ResultSet rows = new PrefetchingResultSet(new OneDouble(signedNan), target)) {
      assertThat(rows.next()).isTrue();

      assertThat(Long.toHexString(Double.doubleToRawLongBits(rows.getDouble(2))))
          .isEqualTo(Long.toHexString(Double.doubleToRawLongBits(Double.NaN)));
      assertThat(rows.wasNull()).isFalse();
    }
  }

  /** One row: (1, {@code value}). */
  private static final class OneDouble extends UnsupportedResultSet {
    private final double value;
    private int row;

    OneDouble(double value) {
      this.value = value;
    }

    @Override
    public boolean next() {
      return ++row == 1;
    }

    @Override
    public java.sql.ResultSetMetaData getMetaData() {
      return PrefetchingResultSet.snapshotMetaData(2, new int[] {Types.BIGINT, Types.DOUBLE}, new String[] {"int8", "float8"});
    }

    @Override
    public long getLong(int i) {
      return 1;
    }

    @Override
    public double getDouble(int i) {
      return value;
    }

    @Override
    public boolean wasNull() {
      return false;
    }

    @Override
    public void close() {}
  }

  /** Delegates the getters the reader uses; may hold back its first row, or fail {@code next()} at a given row. */
  private static final class ScriptedSource extends UnsupportedResultSet {
    private final ResultSet delegate;
    private final int failAt;
    private final CountDownLatch firstRow;
    private int row;

    private ScriptedSource(ResultSet delegate, int failAt, CountDownLatch firstRow) {
      this.delegate = delegate;
      this.failAt = failAt;
      this.firstRow = firstRow;
    }

    static ScriptedSource failingAt(ResultSet delegate, int row) {
      return new ScriptedSource(delegate, row, new CountDownLatch(0));
    }

    /** Hands its first row only once {@code firstRow} is counted down. */
    static ScriptedSource heldBack(ResultSet delegate, CountDownLatch firstRow) {
      return new ScriptedSource(delegate, -1, firstRow);
    }

    @Override
    public boolean next() throws SQLException {
      if (++row == failAt) {
        throw new SQLException("source broke");
      }
      try {
        firstRow.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted", e);
      }
      return delegate.next();
    }

    @Override
    public java.sql.ResultSetMetaData getMetaData() throws SQLException {
      return delegate.getMetaData();
    }

    @Override
    public long getLong(int i) throws SQLException {
      return delegate.getLong(i);
    }

    @Override
    public double getDouble(int i) throws SQLException {
      return delegate.getDouble(i);
    }

    @Override
    public String getString(int i) throws SQLException {
      return delegate.getString(i);
    }

    @Override
    public java.math.BigDecimal getBigDecimal(int i) throws SQLException {
      return delegate.getBigDecimal(i);
    }

    @Override
    public <T> T getObject(int i, Class<T> type) throws SQLException {
      return delegate.getObject(i, type);
    }

    @Override
    public boolean wasNull() throws SQLException {
      return delegate.wasNull();
    }

    @Override
    public void close() throws SQLException {
      delegate.close();
    }
  }

  @Test
  void aShortResultFillsOneBatchAndALongOneNeverMoreThanTheBound() throws Exception {
    TargetDeclaration target = SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target("raw_data").orElseThrow();
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:prefetch-batches")) {
      load(c, target);
      assertThat(batchesFor(c, target, " ORDER BY id LIMIT 300")).isEqualTo(1);
      assertThat(batchesFor(c, target, " ORDER BY id")).isBetween(1, PrefetchingResultSet.BATCHES);
    }
  }

  private static int batchesFor(Connection c, TargetDeclaration target, String orderAndLimit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target) + orderAndLimit)) {
      s.setString(1, "client");
      try (PrefetchingResultSet rows = new PrefetchingResultSet(s.executeQuery(), target)) {
        int seen = 0;
        while (rows.next()) {
          seen++;
        }
        assertThat(seen).isEqualTo(orderAndLimit.contains("LIMIT") ? 300 : ROWS);
        return rows.batchesCreated();
      }
    }
  }

  @Test
  void theMemoryBudgetCountsTheHandOff() {
    assertThat(PrefetchingResultSet.bufferedRows()).isEqualTo(WorkerSettings.PREFETCH_ROWS);
  }

  private static List<Object[]> read(Connection c, TargetDeclaration target, boolean prefetch) throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target) + " ORDER BY id")) {
      s.setString(1, "client");
      ResultSet source = s.executeQuery();
      try (ResultSet rs = prefetch ? new PrefetchingResultSet(source, target) : source) {
        JdbcValues values = JdbcValues.of(target);
        while (rs.next()) {
          rows.add(values.read(rs));
        }
      }
    }
    return rows;
  }

  private static void create(Connection c, TargetDeclaration target) throws SQLException {
    String columns =
        target.columns().stream()
            .map(col -> col.name() + " " + sqlType(col) + (col.nullable() ? "" : " NOT NULL"))
            .collect(Collectors.joining(", "));
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + target.table() + " (" + target.clientColumn() + " VARCHAR(64) NOT NULL, " + columns + ")");
    }
  }

  private static void load(Connection c, TargetDeclaration target) throws SQLException {
    create(c, target);
    String marks = target.columns().stream().map(col -> "?").collect(Collectors.joining(", "));
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + target.table() + " (" + target.clientColumn()
        + ", " + TargetSql.columnList(target) + ") VALUES (?, " + marks + ")")) {
      for (int r = 0; r < ROWS; r++) {
        insert.setString(1, "client");
        for (int i = 0; i < target.columns().size(); i++) {
          ColumnDeclaration col = target.columns().get(i);
          boolean isNull = col.nullable() && (r + i) % 7 == 0;
          insert.setObject(i + 2, isNull ? null : value(col, r));
        }
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static Object value(ColumnDeclaration col, int r) {
    if (col.name().equals("id")) {
      return (long) r;
    }
    return switch (col.type()) {
      case BOOLEAN -> r % 2 == 0;
      case INT32 -> r * 3;
      case INT64 -> r * 1_000_003L;
      case DOUBLE -> r / 7.0;
      case DECIMAL -> java.math.BigDecimal.valueOf(r * 101L, col.scale() == null ? 0 : col.scale());
      case STRING -> "v" + r + (r % 11 == 0 ? " ünïcödé ✓" : "");
      case DATE -> java.time.LocalDate.of(2024, 1, 1).plusDays(r);
      case TIMESTAMP -> java.time.LocalDateTime.of(2024, 1, 1, 0, 0).plusSeconds(r * 61L).plusNanos(r * 1000L);
      case BYTES -> new byte[] {(byte) r, (byte) (r >> 8), 7};
    };
  }

  private static String sqlType(ColumnDeclaration col) {
    return switch (col.type()) {
      case BOOLEAN -> "BOOLEAN";
      case INT32 -> "INTEGER";
      case INT64 -> "BIGINT";
      case DOUBLE -> "DOUBLE PRECISION";
      case DECIMAL -> "DECIMAL(" + col.precision() + "," + col.scale() + ")";
      case STRING -> "VARCHAR";
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMP(6)";
      case BYTES -> "VARBINARY";
    };
  }
}
