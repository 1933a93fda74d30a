package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A throughput sanity check, not a benchmark and not a time assertion: writes 1M rows of the demo's
 * widest target (raw_data, 8 columns) from a synthetic result set into a discarding output and
 * prints rows/s and bytes allocated per row. The result set hands out a new BigDecimal and
 * LocalDateTime per row as drivers do; strings come from a small pool. {@code
 * -Dsb.throughput.rows=N -Dsb.throughput.zstdLevels=1,3} to explore.
 */
class SnapshotWriterThroughputTest {
  private static final TargetDeclaration RAW_DATA =
      SourceConfigLoader.demo("jdbc:h2:mem:x", null, null).target("raw_data").orElseThrow();

  @Test
  void printsWriteThroughputOfAMillionRows() throws Exception {
    int rows = Integer.getInteger("sb.throughput.rows", 1_000_000);
    int[] levels =
        Arrays.stream(
                System.getProperty(
                        "sb.throughput.zstdLevels",
                        String.valueOf(SnapshotWriterOptions.DEFAULT_ZSTD_LEVEL))
                    .split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    write(200_000, levels[0]); // warm-up
    for (int level : levels) {
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long cpuBefore = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      Result result = write(rows, level);
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e9;
      long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

      // CPU time of the writing thread is the steadier figure on a shared machine; wall time is
      // what a run sees.
      System.out.printf(
          "snapshot write throughput: %,d rows x 8 columns, zstd level %d: %,.0f rows/s by wall"
              + " clock (%.2f s), %,.0f rows/s per CPU-second of the writing thread, %,d bytes"
              + " (%.1f bytes/row), %.0f bytes allocated/row%n",
          rows,
          level,
          rows / seconds,
          seconds,
          rows / cpuSeconds,
          result.bytes,
          (double) result.bytes / rows,
          (double) allocated / rows);
      assertThat(result.stats.rows()).isEqualTo(rows);
      assertThat(result.stats.checksum().count()).isEqualTo(rows);
      assertThat(result.bytes).isEqualTo(result.stats.bytes()).isPositive();
    }
  }

  private static Result write(int rows, int level) throws Exception {
    Discard out = new Discard();
    SyntheticRawData rs = new SyntheticRawData(rows);
    SnapshotFileStats stats;
    try (SnapshotWriter writer =
        SnapshotWriter.open(
            RAW_DATA,
            SnapshotKind.BASE,
            out,
            SnapshotWriterOptions.defaults().withZstdLevel(level))) {
      while (rs.next()) {
        writer.writeRow(rs);
      }
      stats = writer.finish();
    }
    return new Result(stats, out.position());
  }

  private record Result(SnapshotFileStats stats, long bytes) {}

  /** An output that counts and forgets. */
  private static final class Discard extends ObjectOutput {
    private long position;

    @Override
    public void write(int b) {
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      position += len;
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public void abort() {}

    @Override
    public void close() {}
  }

  /** id, entity_id, metric, reading, amount (nullable), recorded_at, note (nullable), version. */
  private static final class SyntheticRawData extends StubResultSet {
    private static final String[] METRICS = new String[40];
    private static final String[] NOTES = new String[200];
    private static final LocalDateTime START = LocalDateTime.of(2024, 1, 1, 0, 0);

    static {
      for (int i = 0; i < METRICS.length; i++) {
        METRICS[i] = "metric_" + i + "_" + Integer.toHexString(i * 7919);
      }
      for (int i = 0; i < NOTES.length; i++) {
        NOTES[i] = "note " + i + ": " + "lorem ipsum dolor sit amet ".repeat(1 + i % 3);
      }
    }

    private final int rows;
    private int row = -1;
    private boolean wasNull;

    SyntheticRawData(int rows) {
      this.rows = rows;
    }

    @Override
    public boolean next() {
      return ++row < rows;
    }

    @Override
    public long getLong(int column) {
      wasNull = false;
      return switch (column) {
        case 1 -> row;
        case 2 -> row % 5_000;
        case 8 -> 1_000_000L + row;
        default -> throw new IllegalArgumentException("column " + column);
      };
    }

    @Override
    public String getString(int column) {
      String value =
          switch (column) {
            case 3 -> METRICS[row % METRICS.length];
            case 7 -> row % 2 == 0 ? null : NOTES[(row * 31) % NOTES.length];
            default -> throw new IllegalArgumentException("column " + column);
          };
      wasNull = value == null;
      return value;
    }

    @Override
    public double getDouble(int column) {
      wasNull = false;
      return row * 0.25 + (row % 7);
    }

    @Override
    public BigDecimal getBigDecimal(int column) {
      BigDecimal value = row % 10 == 0 ? null : BigDecimal.valueOf(row * 37L % 100_000_000L, 4);
      wasNull = value == null;
      return value;
    }

    @Override
    public <T> T getObject(int column, Class<T> type) {
      wasNull = false;
      return type.cast(START.plusSeconds(row).plusNanos((row % 1000) * 1000L));
    }

    @Override
    public boolean wasNull() {
      return wasNull;
    }

    @Override
    public ResultSetMetaData getMetaData() {
      return (ResultSetMetaData)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {ResultSetMetaData.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "getColumnType" -> (Integer) args[0] == 6 ? Types.TIMESTAMP : Types.OTHER;
                    case "getColumnTypeName" -> (Integer) args[0] == 6 ? "TIMESTAMP" : "OTHER";
                    case "getColumnCount" -> 8;
                    default -> throw new SQLException("unsupported " + method.getName());
                  });
    }
  }
}
