package dev.storagebuilder.common.snapshot;

import static dev.storagebuilder.common.snapshot.SnapshotFixtures.ALL_TYPES;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One contract for every source database: rows of every column type written with {@code
 * writeRow(ResultSet)} read back through {@link SnapshotReader} exactly as {@link JdbcValues} reads
 * them from the source, with equal checksums; TIMESTAMP columns with and without time zone.
 */
abstract class JdbcSnapshotContract {
  protected abstract Connection connect() throws SQLException;

  /** DDL type per declared column of {@link SnapshotFixtures#ALL_TYPES}, in order. */
  protected abstract List<String> sqlTypes(boolean timestampWithTimeZone);

  /** The dialect's limits on the fixture values (e.g. PostgreSQL text cannot hold U+0000). */
  protected Object[] storable(Object[] row) {
    return row;
  }

  @ParameterizedTest(name = "timestamp with time zone: {0}")
  @ValueSource(booleans = {false, true})
  void rowsWrittenFromTheResultSetReadBackAsJdbcValuesReadsThem(boolean withTimeZone)
      throws Exception {
    String table = "sb_snapshot_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    List<Object[]> rows = new ArrayList<>();
    for (Object[] row : SnapshotFixtures.edgeRows()) {
      rows.add(storable(row));
    }
    rows.add(storable(SnapshotFixtures.largeRow(100)));
    InMemoryObjectStore store = new InMemoryObjectStore();
    try (Connection connection = connect()) {
      create(connection, table, withTimeZone);
      try {
        insert(connection, table, rows, withTimeZone);

        SnapshotFileStats stats;
        List<Object[]> source = new ArrayList<>();
        RowChecksum sourceChecksum = new RowChecksum(ALL_TYPES);
        try (SnapshotWriter writer =
                SnapshotWriter.open(
                    TARGET,
                    SnapshotKind.BASE,
                    store.create("base"),
                    SnapshotWriterOptions.defaults());
            Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery(select(table))) {
          JdbcValues values = JdbcValues.of(TARGET);
          while (rs.next()) {
            writer.writeRow(rs);
            Object[] row = values.read(rs);
            source.add(row);
            sourceChecksum.add(row);
          }
          stats = writer.finish();
        }
        List<Object[]> snapshot =
            SnapshotFixtures.readAll(
                SnapshotReader.readFile(store, stats.toObject("base", 0, 0), ALL_TYPES));

        assertThat(SnapshotFixtures.text(snapshot))
            .containsExactlyElementsOf(SnapshotFixtures.text(source));
        assertThat(SnapshotFixtures.text(snapshot))
            .containsExactlyElementsOf(SnapshotFixtures.text(rows));
        assertThat(stats.checksum())
            .isEqualTo(sourceChecksum)
            .isEqualTo(SnapshotFixtures.checksum(ALL_TYPES, snapshot));
        assertThat(stats.rows()).isEqualTo(rows.size());
      } finally {
        try (Statement statement = connection.createStatement()) {
          statement.execute("DROP TABLE " + table);
        }
      }
    }
  }

  protected void create(Connection connection, String table, boolean withTimeZone)
      throws SQLException {
    List<String> types = sqlTypes(withTimeZone);
    StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(table).append(" (");
    for (int i = 0; i < ALL_TYPES.size(); i++) {
      ddl.append(i == 0 ? "" : ", ")
          .append(quote(ALL_TYPES.get(i).name()))
          .append(' ')
          .append(types.get(i));
      if (!ALL_TYPES.get(i).nullable()) {
        ddl.append(" NOT NULL");
      }
    }
    ddl.append(", PRIMARY KEY (").append(quote("id")).append("))");
    try (Statement statement = connection.createStatement()) {
      statement.execute(ddl.toString());
    }
  }

  protected String select(String table) {
    return "SELECT "
        + String.join(", ", ALL_TYPES.stream().map(c -> quote(c.name())).toList())
        + " FROM "
        + table
        + " ORDER BY "
        + quote("id");
  }

  protected String quote(String column) {
    return "\"" + column + "\"";
  }

  private void insert(
      Connection connection, String table, List<Object[]> rows, boolean withTimeZone)
      throws SQLException {
    String marks = String.join(", ", ALL_TYPES.stream().map(c -> "?").toList());
    String columns = String.join(", ", ALL_TYPES.stream().map(c -> quote(c.name())).toList());
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + table + " (" + columns + ") VALUES (" + marks + ")")) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          Object value = row[i];
          if (value instanceof Instant instant) {
            value =
                withTimeZone
                    ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC)
                    : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
          }
          if (value == null) {
            insert.setNull(i + 1, sqlType(i));
          } else {
            insert.setObject(i + 1, value);
          }
        }
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static int sqlType(int column) {
    return switch (ALL_TYPES.get(column).type()) {
      case BOOLEAN -> java.sql.Types.BOOLEAN;
      case INT32 -> java.sql.Types.INTEGER;
      case INT64 -> java.sql.Types.BIGINT;
      case DOUBLE -> java.sql.Types.DOUBLE;
      case DECIMAL -> java.sql.Types.NUMERIC;
      case STRING -> java.sql.Types.VARCHAR;
      case DATE -> java.sql.Types.DATE;
      case TIMESTAMP -> java.sql.Types.TIMESTAMP;
      case BYTES -> java.sql.Types.VARBINARY;
    };
  }

  /** A copy of {@code row} with one value replaced. */
  static Object[] replace(Object[] row, int column, Object value) {
    Object[] copy = row.clone();
    copy[column] = value;
    return copy;
  }
}
