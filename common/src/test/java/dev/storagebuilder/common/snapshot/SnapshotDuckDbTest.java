package dev.storagebuilder.common.snapshot;

import static dev.storagebuilder.common.snapshot.SnapshotFixtures.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.testing.FileObjectOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent reader (DuckDB, in process, offline) sees exactly the rows we wrote, with the
 * declared SQL types: what a downstream user gets with the tools they already have.
 */
class SnapshotDuckDbTest {
  @TempDir Path dir;

  @Test
  void duckDbReadsABaseWithExactValuesAndDeclaredTypes() throws Exception {
    Path file = dir.resolve("base.parquet");
    List<Object[]> rows = SnapshotFixtures.edgeRows();
    write(file, SnapshotKind.BASE, rows, List.of());

    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duck.createStatement()) {
      assertThat(columnTypes(statement, file))
          .containsExactlyEntriesOf(
              ordered(
                  "id",
                  "BIGINT",
                  "flag",
                  "BOOLEAN",
                  "small",
                  "INTEGER",
                  "big",
                  "BIGINT",
                  "ratio",
                  "DOUBLE",
                  "amount",
                  "DECIMAL(18,4)",
                  "tiny",
                  "DECIMAL(5,2)",
                  "huge",
                  "DECIMAL(38,10)",
                  "name",
                  "VARCHAR",
                  "day",
                  "DATE",
                  "at",
                  "TIMESTAMP WITH TIME ZONE",
                  "blob",
                  "BLOB",
                  "version",
                  "BIGINT"));

      List<String> seen = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT id, flag, small, big, ratio, CAST(amount AS VARCHAR), CAST(tiny AS VARCHAR),"
                  + " CAST(huge AS VARCHAR), name, CAST(day AS VARCHAR), epoch_us(\"at\"),"
                  + " hex(blob), version FROM read_parquet('"
                  + file
                  + "') ORDER BY id")) {
        while (rs.next()) {
          seen.add(
              SnapshotFixtures.text(
                  new Object[] {
                    rs.getObject(1), rs.getObject(2), rs.getObject(3), rs.getObject(4),
                        rs.getObject(5),
                    rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getString(10),
                    rs.getObject(11), rs.getString(12), rs.getObject(13)
                  }));
        }
      }
      assertThat(seen)
          .containsExactlyElementsOf(rows.stream().map(SnapshotDuckDbTest::asDuckDbText).toList());

      try (ResultSet rs =
          statement.executeQuery(
              "SELECT DISTINCT compression FROM parquet_metadata('" + file + "')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("ZSTD");
        assertThat(rs.next()).isFalse();
      }
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT decode(value) FROM parquet_kv_metadata('"
                  + file
                  + "') WHERE decode(key) = 'storage-builder.columns'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1))
            .startsWith("[{\"name\":\"id\",\"type\":\"INT64\",\"nullable\":false}");
      }
    }
  }

  @Test
  void duckDbSeesADeltasOperationAndVersionAndCanApplyIt() throws Exception {
    Path file = dir.resolve("delta.parquet");
    Object[] upsert = SnapshotFixtures.edgeRows().get(0);
    write(
        file, SnapshotKind.DELTA, List.<Object[]>of(upsert), List.<Object[]>of(new Object[] {7L}));

    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duck.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT id, _sb_op, _sb_version, name, huge FROM read_parquet('"
                    + file
                    + "') ORDER BY id")) {
      assertThat(rs.next()).isTrue();
      assertThat(
              List.of(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getLong(3),
                  rs.getString(4),
                  rs.getBigDecimal(5)))
          .containsExactly(1L, "U", 10L, "plain", new BigDecimal("1.0000000001"));
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(7L);
      assertThat(rs.getString(2)).isEqualTo("D");
      assertThat(rs.getLong(3)).isEqualTo(77L);
      assertThat(rs.getString(4)).isNull();
      assertThat(rs.next()).isFalse();
    }
  }

  private static void write(
      Path file, SnapshotKind kind, List<Object[]> rows, List<Object[]> deletedKeys)
      throws IOException {
    try (SnapshotWriter writer =
        SnapshotWriter.open(
            TARGET, kind, new FileObjectOutput(file), SnapshotWriterOptions.defaults())) {
      for (Object[] row : rows) {
        writer.writeValues(row);
      }
      for (Object[] key : deletedKeys) {
        writer.writeDelete(key, 77L);
      }
      writer.finish();
    }
  }

  private static Map<String, String> columnTypes(Statement statement, Path file)
      throws SQLException {
    Map<String, String> types = new LinkedHashMap<>();
    try (ResultSet rs =
        statement.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file + "')")) {
      while (rs.next()) {
        types.put(rs.getString("column_name"), rs.getString("column_type"));
      }
    }
    return types;
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  /** Our Java values as the DuckDB query above renders them. */
  private static String asDuckDbText(Object[] row) {
    return SnapshotFixtures.text(
        new Object[] {
          row[0],
          row[1],
          row[2],
          row[3],
          row[4],
          plain(row[5]),
          plain(row[6]),
          plain(row[7]),
          row[8],
          row[9] == null ? null : ((LocalDate) row[9]).toString(),
          row[10] == null ? null : micros((Instant) row[10]),
          row[11] == null ? null : HexFormat.of().withUpperCase().formatHex((byte[]) row[11]),
          row[12]
        });
  }

  private static String plain(Object decimal) {
    return decimal == null ? null : ((BigDecimal) decimal).toPlainString();
  }

  private static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
