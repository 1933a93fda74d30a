package dev.storagebuilder.common.snapshot;

import static dev.storagebuilder.common.snapshot.SnapshotFixtures.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Data that cannot be serialized as declared is rejected by name, and the file stays consistent.
 */
class SnapshotDataRejectionTest {
  private final InMemoryObjectStore store = new InMemoryObjectStore();

  @Test
  void decimalWithMoreFractionDigitsThanTheScaleIsRejectedNamingColumnAndValue()
      throws IOException {
    Object[] row =
        JdbcSnapshotContract.replace(
            SnapshotFixtures.edgeRows().get(0), 6, new BigDecimal("1.234"));

    try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
      assertThatThrownBy(() -> writer.writeValues(row))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("target 'all_types'")
          .hasMessageContaining("column 'tiny'")
          .hasMessageContaining("DECIMAL(5,2)")
          .hasMessageContaining("1.234");
    }
  }

  @Test
  void decimalWithTooManyIntegerDigitsIsRejected() throws IOException {
    Object[] row =
        JdbcSnapshotContract.replace(
            SnapshotFixtures.edgeRows().get(0), 6, new BigDecimal("1000.00"));

    try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
      assertThatThrownBy(() -> writer.writeValues(row))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'tiny'")
          .hasMessageContaining("1000.00");
    }
  }

  @Test
  void nullInANotNullColumnIsRejectedAndTheRowIsNotWritten() throws IOException {
    List<Object[]> rows = SnapshotFixtures.edgeRows();
    Object[] bad = JdbcSnapshotContract.replace(rows.get(1), 12, null);
    SnapshotFileStats stats;
    try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
      writer.writeValues(rows.get(0));
      assertThatThrownBy(() -> writer.writeValues(bad))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'version'")
          .hasMessageContaining("NOT NULL");
      writer.writeValues(rows.get(2));
      stats = writer.finish();
    }

    List<Object[]> back =
        SnapshotFixtures.readAll(
            SnapshotReader.readFile(store, stats.toObject("f", 0, 0), SnapshotFixtures.ALL_TYPES));
    assertThat(SnapshotFixtures.text(back))
        .containsExactly(SnapshotFixtures.text(rows.get(0)), SnapshotFixtures.text(rows.get(2)));
    assertThat(stats.checksum())
        .isEqualTo(
            SnapshotFixtures.checksum(
                SnapshotFixtures.ALL_TYPES, List.of(rows.get(0), rows.get(2))));
  }

  @Test
  void valuesOfTheWrongJavaTypeAreRejected() throws IOException {
    Object[] row = JdbcSnapshotContract.replace(SnapshotFixtures.edgeRows().get(0), 2, "42");

    try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
      assertThatThrownBy(() -> writer.writeValues(row))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'small'")
          .hasMessageContaining("INT32")
          .hasMessageContaining("java.lang.String");
    }
  }

  @Test
  void sourceRowsThatDoNotFitAreRejectedFromTheResultSetToo() throws Exception {
    try (Connection h2 = DriverManager.getConnection("jdbc:h2:mem:rejects");
        Statement statement = h2.createStatement()) {
      statement.execute("CREATE TABLE t (id BIGINT, tiny NUMERIC(10,3))");
      statement.execute("INSERT INTO t VALUES (1, 1.234), (NULL, 1.5)");
      var target =
          new dev.storagebuilder.common.target.TargetDeclaration(
              "narrow",
              "t",
              "client_id",
              List.of("id"),
              "id",
              List.of(
                  dev.storagebuilder.common.target.ColumnDeclaration.of(
                      "id", dev.storagebuilder.common.target.ColumnType.INT64, false),
                  dev.storagebuilder.common.target.ColumnDeclaration.decimal("tiny", 5, 2, true)),
              null,
              0);
      try (SnapshotWriter writer =
              SnapshotWriter.open(
                  target, SnapshotKind.BASE, store.create("f"), SnapshotWriterOptions.defaults());
          ResultSet rs = statement.executeQuery("SELECT id, tiny FROM t ORDER BY id NULLS LAST")) {
        rs.next();
        assertThatThrownBy(() -> writer.writeRow(rs))
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("column 'tiny'")
            .hasMessageContaining("1.234");
        rs.next();
        assertThatThrownBy(() -> writer.writeRow(rs))
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("column 'id'")
            .hasMessageContaining("NOT NULL");
        assertThatThrownBy(() -> JdbcValues.of(target).read(rs))
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("column 'id'");
      }
    }
  }

  @Test
  void textWithAnUnpairedSurrogateIsRejectedRatherThanStoredAsAQuestionMark() throws Exception {
    // UTF-8 cannot hold a lone surrogate: encoding it wrote '?' instead, and "?" and "\uD800"
    // hashed alike, so the checksum and a verify could not tell the stored text from the source's.
    for (String text : List.of("ab\uD800c", "\uDC00", "x\uD83D")) {
      try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
        assertThatThrownBy(
                () -> writer.writeValues(JdbcSnapshotContract.replace(SnapshotFixtures.edgeRows().get(0), 8, text)))
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("column 'name'")
            .hasMessageContaining("unpaired surrogate");
      }
    }
    List<ColumnDeclaration> oneString = List.of(ColumnDeclaration.of("s", ColumnType.STRING, true));
    assertThatThrownBy(() -> new RowChecksum(oneString).hash(new Object[] {"\uD800"}))
        .isInstanceOf(SnapshotDataException.class);
    // A pair is one character outside the BMP, stored as is.
    assertThat(new RowChecksum(oneString).hash(new Object[] {"\uD83D\uDE00"}))
        .isNotEqualTo(new RowChecksum(oneString).hash(new Object[] {"?"}));
    // From a source too (H2 keeps Java strings as they are).
    try (Connection h2 = DriverManager.getConnection("jdbc:h2:mem:surrogates");
        Statement statement = h2.createStatement()) {
      statement.execute("CREATE TABLE t (id BIGINT NOT NULL, s VARCHAR(10))");
      try (var insert = h2.prepareStatement("INSERT INTO t VALUES (1, ?)")) {
        insert.setString(1, "a\uD800");
        insert.executeUpdate();
      }
      var target =
          new TargetDeclaration(
              "texts", "t", "client_id", List.of("id"), "id",
              List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("s", ColumnType.STRING, true)),
              null, 0);
      try (SnapshotWriter writer =
              SnapshotWriter.open(target, SnapshotKind.BASE, store.create("texts"), SnapshotWriterOptions.defaults());
          ResultSet rs = statement.executeQuery("SELECT id, s FROM t")) {
        rs.next();
        assertThatThrownBy(() -> writer.writeRow(rs))
            .isInstanceOf(SnapshotDataException.class)
            .hasMessageContaining("target 'texts'")
            .hasMessageContaining("column 's'")
            .hasMessageContaining("unpaired surrogate");
      }
    }
  }

  @Test
  void datesAndTimestampsOutsideTheFormatsRangeAreRejected() throws IOException {
    try (SnapshotWriter writer = open(SnapshotKind.BASE)) {
      assertThatThrownBy(
              () ->
                  writer.writeValues(
                      JdbcSnapshotContract.replace(
                          SnapshotFixtures.edgeRows().get(0), 10, Instant.MAX)))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'at'");
      assertThatThrownBy(
              () ->
                  writer.writeValues(
                      JdbcSnapshotContract.replace(
                          SnapshotFixtures.edgeRows().get(0), 9, LocalDate.MAX)))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'day'");
    }
  }

  @Test
  void deltaOperationsAreRefusedOnABaseAndKeysMustBeComplete() throws IOException {
    try (SnapshotWriter base = open(SnapshotKind.BASE)) {
      assertThatThrownBy(() -> base.writeDelete(new Object[] {1L}, 5))
          .isInstanceOf(IllegalStateException.class);
    }
    try (SnapshotWriter delta = open(SnapshotKind.DELTA)) {
      assertThatThrownBy(() -> delta.writeDelete(new Object[] {null}, 5))
          .isInstanceOf(SnapshotDataException.class)
          .hasMessageContaining("column 'id'");
      assertThatThrownBy(() -> delta.writeDelete(new Object[] {1L, 2L}, 5))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private SnapshotWriter open(SnapshotKind kind) throws IOException {
    return SnapshotWriter.open(TARGET, kind, store.create("f"), SnapshotWriterOptions.defaults());
  }
}
