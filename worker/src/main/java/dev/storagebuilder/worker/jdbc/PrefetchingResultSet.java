package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.snapshot.JdbcTemporals;
import dev.storagebuilder.common.snapshot.SnapshotDataException;
import dev.storagebuilder.common.snapshot.StoredFormResultSet;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * Reads and decodes a target's rows on its own thread while the caller serializes the previous
 * ones: the database fetch and the driver's decoding (a third to a half of a target's CPU) overlap
 * with Parquet encoding and compression instead of alternating with them on one thread.
 *
 * <p>Rows travel in batches of {@value #BATCH_ROWS} held in reused column arrays (primitives
 * unboxed); at most {@value #BATCHES} batches exist, made as the reader needs them, so the
 * hand-off holds a bounded {@link #bufferedRows()} rows. Offers the getters the snapshot writer uses for each declared column
 * type; anything else is unsupported. One consumer thread; {@link #close()} stops the reader.
 *
 * <p>Rows from binary COPY keep text, dates, timestamps and small numerics in their wire form
 * ({@link BinaryCopyFeed}): the getters build the driver's objects from it on request, and the
 * snapshot writer takes its stored form without them ({@link StoredFormResultSet}).
 */
final class PrefetchingResultSet extends UnsupportedResultSet implements StoredFormResultSet {
  static final int BATCH_ROWS = 1_000;
  static final int BATCHES = 3;
  /** How long a closed reader may take to notice before its statement is cancelled (it checks between batches). */
  private static final long READER_GRACE_MILLIS = 1_000;

  private final RowFeed feed;
  /** Per column, the COPY decoder whose wire form the arrays hold; null for a JDBC feed (objects). */
  private final BinaryCopyFeed.Decoder[] wire;
  private final ResultSetMetaData metaData;
  private final BlockingQueue<Batch> filled = new ArrayBlockingQueue<>(BATCHES);
  private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
  private final Thread reader;
  private final int columns;
  /** Batches the reader thread made so far (its own count). */
  private int batchesCreated;
  private volatile boolean closed;
  private Batch current;
  private int row = -1;
  private boolean lastNull;
  private long waitedNanos;
  private long storedLong;
  private byte[] storedUtf8;
  private int storedUtf8Offset;
  private int storedUtf8Length;

  /**
   * Where the reader thread's rows come from: a JDBC result set, or PostgreSQL's binary COPY stream
   * ({@link BinaryCopyFeed}). Used by the reader thread only, then closed by the consumer once that
   * thread has ended.
   */
  interface RowFeed {
    /**
     * Decodes the next row into column arrays at {@code row}, as the getters of the declared column
     * types return them (primitives unboxed into {@code longs}, objects into {@code refs}), or in the
     * wire forms of {@link #wireForms()} ({@code scales} exists for its NUMERIC columns); false at
     * the end.
     */
    boolean next(long[][] longs, Object[][] refs, boolean[][] nulls, long[][] scales, int row) throws SQLException;

    /** Per column, the COPY decoder whose wire form {@link #next} leaves; null when it leaves objects. */
    default BinaryCopyFeed.Decoder[] wireForms() {
      return null;
    }

    /**
     * Asks the database to stop the statement the reader thread waits on, from another thread: no
     * interrupt reaches a thread blocked reading a socket. Returns at once ({@link CancelRequest});
     * {@link #close} waits for the request where it could still land on a later statement.
     */
    default void cancel() throws SQLException {}

    void close() throws SQLException;
  }

  private static final class Batch {
    final long[][] longs;
    final Object[][] refs;
    final boolean[][] nulls;
    final long[][] scales;
    int rows;
    boolean last;
    /** What ended the read: a SQLException, or the SnapshotDataException of a value it refused. */
    Exception error;

    Batch(int columns, BinaryCopyFeed.Decoder[] wire) {
      longs = new long[columns][BATCH_ROWS];
      refs = new Object[columns][BATCH_ROWS];
      nulls = new boolean[columns][BATCH_ROWS];
      scales = new long[columns][];
      for (int c = 0; wire != null && c < columns; c++) {
        if (wire[c] == BinaryCopyFeed.Decoder.NUMERIC) {
          scales[c] = new long[BATCH_ROWS];
        }
      }
    }
  }

  PrefetchingResultSet(ResultSet source, TargetDeclaration target) throws SQLException {
    this(new JdbcFeed(source, target), target, source.getMetaData());
  }

  /**
   * {@code meta} describes the feed's columns; read here, before the reader thread owns the
   * connection (the driver may consult its connection for metadata).
   */
  PrefetchingResultSet(RowFeed feed, TargetDeclaration target, ResultSetMetaData meta) throws SQLException {
    this.feed = feed;
    this.wire = feed.wireForms();
    int columns = target.columns().size();
    int[] sqlTypes = new int[columns];
    String[] typeNames = new String[columns];
    for (int c = 0; c < columns; c++) {
      sqlTypes[c] = meta.getColumnType(c + 1);
      typeNames[c] = String.valueOf(meta.getColumnTypeName(c + 1));
    }
    this.metaData = snapshotMetaData(columns, sqlTypes, typeNames);
    this.columns = columns;
    this.reader = Thread.ofPlatform().daemon(true).name("prefetch-" + target.name()).unstarted(this::readAll);
    reader.start();
  }

  /** Whether a TIMESTAMP column holds instants: the rule of the snapshot writer (RowBuffer). */
  static boolean zoned(int sqlType, String typeName) {
    String lower = typeName.toLowerCase(Locale.ROOT);
    return sqlType == Types.TIMESTAMP_WITH_TIMEZONE || lower.equals("timestamptz") || lower.contains("with time zone");
  }

  /**
   * Batches made so far; read by the consumer once it has seen the last row, which the reader
   * handed over after its last count.
   */
  int batchesCreated() {
    return batchesCreated;
  }

  /** Rows the hand-off can hold at most (for the memory budget). */
  static int bufferedRows() {
    return BATCH_ROWS * BATCHES;
  }

  private void readAll() {
    try {
      while (!closed) {
        Batch batch = nextFreeBatch();
        if (batch == null) {
          continue;
        }
        batch.rows = 0;
        batch.last = false;
        batch.error = null;
        try {
          while (batch.rows < BATCH_ROWS) {
            if (!feed.next(batch.longs, batch.refs, batch.nulls, batch.scales, batch.rows)) {
              batch.last = true;
              break;
            }
            batch.rows++;
          }
        } catch (SQLException | RuntimeException | Error e) {
          // An Error too (a value too large for the heap): a reader thread that died without
          // handing a batch left the consumer waiting for rows forever, its lease kept alive.
          // A refused value stays a SnapshotDataException: the failure classifier takes it as
          // permanent by its type, which a SQLException around it would hide.
          batch.error =
              e instanceof SQLException || e instanceof SnapshotDataException
                  ? (Exception) e
                  : new SQLException("reading the source failed: " + e, e);
          batch.last = true;
        }
        hand(batch);
        if (batch.last) {
          return;
        }
      }
    } catch (InterruptedException e) {
      // closed while waiting: the consumer is gone
    }
  }

  /**
   * A batch to fill: a returned one, else a new one while fewer than {@value #BATCHES} exist (a
   * target of a few hundred rows, the common case in an update-all, never needs a second), else
   * null after waiting a while for one to come back.
   */
  private Batch nextFreeBatch() throws InterruptedException {
    Batch batch = free.poll();
    if (batch == null && batchesCreated < BATCHES) {
      batchesCreated++;
      return new Batch(columns, wire);
    }
    return batch != null ? batch : free.poll(100, TimeUnit.MILLISECONDS);
  }

  private void hand(Batch batch) throws InterruptedException {
    while (!closed && !filled.offer(batch, 100, TimeUnit.MILLISECONDS)) {
      // the consumer is busy; wait for it (bounded hand-off) unless it closed
    }
  }

  @Override
  public boolean next() throws SQLException {
    if (current != null && ++row < current.rows) {
      return true;
    }
    if (current != null) {
      if (current.last) {
        row = current.rows;
        return false;
      }
      free.add(current);
    }
    current = closed ? null : filled.poll();
    if (current == null) {
      awaitBatch();
    }
    if (current.error != null) {
      Exception error = current.error;
      current.rows = 0;
      if (error instanceof SnapshotDataException refused) {
        // Again on this thread, so the trace shows the consumer as well as the reader.
        throw new SnapshotDataException(refused.getMessage(), refused);
      }
      throw (SQLException) error;
    }
    row = 0;
    return current.rows > 0;
  }

  /** Blocks until the reader hands a batch: the consumer waits for the source. */
  private void awaitBatch() throws SQLException {
    long waiting = System.nanoTime();
    try {
      do {
        if (closed) {
          throw new SQLException("result set closed");
        }
        current = filled.poll(100, TimeUnit.MILLISECONDS);
      } while (current == null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for rows", e);
    } finally {
      waitedNanos += System.nanoTime() - waiting;
    }
  }

  /** Nanoseconds {@link #next()} has blocked waiting for the reader thread's rows so far. */
  long waitedNanos() {
    return waitedNanos;
  }

  private long longAt(int index) {
    lastNull = current.nulls[index - 1][row];
    return current.longs[index - 1][row];
  }

  private Object refAt(int index) {
    lastNull = current.nulls[index - 1][row];
    return current.refs[index - 1][row];
  }

  @Override
  public boolean wasNull() {
    return lastNull;
  }

  @Override
  public boolean getBoolean(int index) {
    return longAt(index) != 0;
  }

  @Override
  public int getInt(int index) {
    return (int) longAt(index);
  }

  @Override
  public long getLong(int index) {
    return longAt(index);
  }

  @Override
  public double getDouble(int index) {
    return Double.longBitsToDouble(longAt(index));
  }

  @Override
  public BigDecimal getBigDecimal(int index) {
    Object value = refAt(index);
    if (value == null && !lastNull && wire != null && wire[index - 1] == BinaryCopyFeed.Decoder.NUMERIC) {
      return BinaryCopyFeed.decimal(current.longs[index - 1][row], current.scales[index - 1][row]);
    }
    return (BigDecimal) value;
  }

  @Override
  public String getString(int index) {
    Object value = refAt(index);
    return value instanceof byte[] message ? BinaryCopyFeed.text(message, current.longs[index - 1][row]) : (String) value;
  }

  @Override
  public byte[] getBytes(int index) {
    return (byte[]) refAt(index);
  }

  @Override
  public <T> T getObject(int index, Class<T> type) throws SQLException {
    Object value = refAt(index);
    if (value instanceof byte[] message && wire != null && wire[index - 1] == BinaryCopyFeed.Decoder.TEXT) {
      value = BinaryCopyFeed.text(message, current.longs[index - 1][row]);
    } else if (value == null && !lastNull && wire != null) {
      long wireValue = current.longs[index - 1][row];
      value =
          switch (wire[index - 1]) {
            case DATE -> BinaryCopyFeed.date((int) wireValue);
            case TIMESTAMP -> BinaryCopyFeed.timestamp(wireValue);
            case TIMESTAMPTZ -> BinaryCopyFeed.timestamptz(wireValue);
            case NUMERIC -> BinaryCopyFeed.decimal(wireValue, current.scales[index - 1][row]);
            default -> null;
          };
    }
    if (value == null || type.isInstance(value)) {
      return type.cast(value);
    }
    throw new SQLException("column " + index + " holds " + value.getClass().getSimpleName() + ", not " + type.getSimpleName());
  }

  @Override
  public boolean stored(int index, ColumnType type, int precision, int scale) {
    if (wire == null || current.nulls[index - 1][row]) {
      return false;
    }
    long wireValue = current.longs[index - 1][row];
    switch (wire[index - 1]) {
      case TEXT -> {
        if (type == ColumnType.STRING) {
          byte[] message = (byte[]) current.refs[index - 1][row];
          if (BinaryCopyFeed.textAsIs(wireValue)) {
            storedUtf8 = message;
            storedUtf8Offset = BinaryCopyFeed.textOffset(wireValue);
            storedUtf8Length = BinaryCopyFeed.textLength(wireValue);
          } else {
            storedUtf8 = BinaryCopyFeed.reencoded(message, wireValue);
            storedUtf8Offset = 0;
            storedUtf8Length = storedUtf8.length;
          }
          return true;
        }
      }
      case DATE -> {
        if (type == ColumnType.DATE && BinaryCopyFeed.storedDaysFit(wireValue)) {
          storedLong = BinaryCopyFeed.storedDays(wireValue);
          return true;
        }
      }
      case TIMESTAMP, TIMESTAMPTZ -> {
        if (type == ColumnType.TIMESTAMP && BinaryCopyFeed.storedMicrosFit(wireValue)) {
          storedLong = BinaryCopyFeed.storedMicros(wireValue);
          return true;
        }
      }
      case NUMERIC -> {
        if (type == ColumnType.DECIMAL && current.refs[index - 1][row] == null) {
          long unscaled =
              BinaryCopyFeed.storedUnscaled(wireValue, current.scales[index - 1][row], precision, scale);
          if (unscaled != Long.MIN_VALUE) {
            storedLong = unscaled;
            return true;
          }
        }
      }
      default -> {
        // primitives and bytea are read through the getters, which copy nothing
      }
    }
    return false;
  }

  @Override
  public long storedLong() {
    return storedLong;
  }

  @Override
  public byte[] storedUtf8() {
    return storedUtf8;
  }

  @Override
  public int storedUtf8Offset() {
    return storedUtf8Offset;
  }

  @Override
  public int storedUtf8Length() {
    return storedUtf8Length;
  }

  @Override
  public ResultSetMetaData getMetaData() {
    return metaData;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the reader thread and closes the source result set. A reader still inside the feed after
   * a moment waits on the database (rows the server is slow to produce), where no interrupt reaches
   * it: the statement is cancelled. The caller's own interrupt (a lost lease) is set aside for the
   * wait and restored after: it cut the wait short, and the feed's close then queued behind the
   * reader's fetch on the connection for as long as the server took, the target's thread with it.
   */
  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    reader.interrupt();
    boolean interrupted = Thread.interrupted();
    try {
      if (!joinReader(READER_GRACE_MILLIS)) {
        feed.cancel();
        joinReader(TimeUnit.SECONDS.toMillis(30));
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    feed.close();
  }

  /** Whether the reader thread ended within {@code millis}; uninterruptible (close must not leave it running). */
  private boolean joinReader(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    boolean interrupted = false;
    try {
      while (reader.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          reader.join(Duration.ofNanos(left));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What the snapshot writer asks of the metadata, held apart from the connection. */
  static ResultSetMetaData snapshotMetaData(int columns, int[] sqlTypes, String[] typeNames) {
    return (ResultSetMetaData)
        Proxy.newProxyInstance(
            ResultSetMetaData.class.getClassLoader(),
            new Class<?>[] {ResultSetMetaData.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getColumnCount" -> columns;
                  case "getColumnType" -> sqlTypes[(Integer) args[0] - 1];
                  case "getColumnTypeName" -> typeNames[(Integer) args[0] - 1];
                  case "toString" -> "prefetched metadata of " + columns + " columns";
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new SQLException("ResultSetMetaData." + method.getName() + " is not supported here");
                });
  }

  /** Rows of a JDBC result set, read with the getters the snapshot writer uses for each declared type. */
  private static final class JdbcFeed implements RowFeed {
    private final ResultSet source;
    private final ColumnType[] types;
    private final boolean[] zoned;
    private final String targetName;
    private final String[] names;
    private final CancelRequest cancelRequest;

    JdbcFeed(ResultSet source, TargetDeclaration target) throws SQLException {
      this.source = source;
      this.cancelRequest = new CancelRequest(this::cancelStatement, this::connectionClosed);
      int columns = target.columns().size();
      this.types = new ColumnType[columns];
      this.zoned = new boolean[columns];
      this.targetName = target.name();
      this.names = new String[columns];
      ResultSetMetaData meta = source.getMetaData();
      for (int c = 0; c < columns; c++) {
        types[c] = target.columns().get(c).type();
        names[c] = target.columns().get(c).name();
        zoned[c] = zoned(meta.getColumnType(c + 1), String.valueOf(meta.getColumnTypeName(c + 1)));
      }
    }

    @Override
    public boolean next(long[][] longs, Object[][] refs, boolean[][] nulls, long[][] scales, int r)
        throws SQLException {
      try {
        return nextRow(longs, refs, nulls, r);
      } catch (SQLException e) {
        cancelRequest.noteFailure(e);
        throw e;
      }
    }

    private boolean nextRow(long[][] longs, Object[][] refs, boolean[][] nulls, int r) throws SQLException {
      if (!source.next()) {
        return false;
      }
      for (int c = 0; c < types.length; c++) {
        int index = c + 1;
        boolean isNull;
        switch (types[c]) {
          case BOOLEAN -> {
            longs[c][r] = source.getBoolean(index) ? 1 : 0;
            isNull = source.wasNull();
          }
          case INT32 -> {
            longs[c][r] = source.getInt(index);
            isNull = source.wasNull();
          }
          case INT64 -> {
            longs[c][r] = source.getLong(index);
            isNull = source.wasNull();
          }
          case DOUBLE -> {
            // One NaN, as the writer stores it (a driver's binary transfer keeps the server's bits).
            longs[c][r] = Double.doubleToLongBits(source.getDouble(index));
            isNull = source.wasNull();
          }
          case DECIMAL -> isNull = (refs[c][r] = source.getBigDecimal(index)) == null;
          case STRING -> isNull = (refs[c][r] = source.getString(index)) == null;
          case DATE -> isNull = (refs[c][r] = temporal(index, LocalDate.class)) == null;
          case TIMESTAMP ->
              isNull =
                  (refs[c][r] = zoned[c] ? temporal(index, OffsetDateTime.class) : temporal(index, LocalDateTime.class))
                      == null;
          case BYTES -> isNull = (refs[c][r] = source.getBytes(index)) == null;
          default -> throw new IllegalStateException("unhandled type " + types[c]);
        }
        nulls[c][r] = isNull;
      }
      return true;
    }

    /** From a thread of its own ({@link CancelRequest}): returns at once. */
    @Override
    public void cancel() {
      cancelRequest.send();
    }

    private void cancelStatement() throws SQLException {
      java.sql.Statement statement = source.getStatement();
      if (statement == null) {
        return;
      }
      java.sql.Connection connection = statement.getConnection();
      if (connection.isWrapperFor(PGConnection.class)) {
        // pgjdbc's Statement.cancel does nothing between executions, and a cursor's later fetches
        // are not executions.
        connection.unwrap(PGConnection.class).cancelQuery();
      } else {
        statement.cancel();
      }
    }

    private <T> T temporal(int index, Class<T> type) throws SQLException {
      return JdbcTemporals.read(source, index, type, targetName, names[index - 1]);
    }

    /** The driver's own connection: a pool's proxy still reads as open once the driver's was aborted. */
    private boolean connectionClosed() throws SQLException {
      java.sql.Statement statement = source.getStatement();
      return statement != null && statement.getConnection().unwrap(java.sql.Connection.class).isClosed();
    }

    /** A cancel still on its way is waited for first where it could land on a later statement. */
    @Override
    public void close() throws SQLException {
      cancelRequest.awaitUnlessConnectionGone();
      source.close();
    }
  }
}
