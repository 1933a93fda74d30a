package dev.storagebuilder.common.snapshot;

import static dev.storagebuilder.common.snapshot.SnapshotFixtures.ALL_TYPES;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.TARGET;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.checksum;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.readAll;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.text;
import static dev.storagebuilder.common.snapshot.SnapshotFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Test;

class SnapshotRoundTripTest {
  private final InMemoryObjectStore store = new InMemoryObjectStore();

  @Test
  void everyColumnTypeAndEdgeValueReadsBackExactly() throws IOException {
    List<Object[]> rows = SnapshotFixtures.edgeRows();

    SnapshotFileStats stats = write(store, "t/base.parquet", TARGET, SnapshotKind.BASE, rows);
    List<Object[]> back = readAll(readBase("t/base.parquet", stats));

    assertThat(text(back)).containsExactlyElementsOf(text(rows));
    assertThat(back.get(0)[5]).isEqualTo(new BigDecimal("12345.6789"));
    assertThat(back.get(3)[10]).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    assertThat(back.get(3)[8]).isEqualTo(SnapshotFixtures.EMOJI_TEXT);
    assertThat(java.util.Arrays.copyOfRange(back.get(1), 1, 12)).hasSize(11).containsOnlyNulls();
  }

  @Test
  void writerChecksumEqualsChecksumOfRowsReadBack() throws IOException {
    List<Object[]> rows = SnapshotFixtures.edgeRows();

    SnapshotFileStats stats = write(store, "t/base.parquet", TARGET, SnapshotKind.BASE, rows);
    List<Object[]> back = readAll(readBase("t/base.parquet", stats));

    assertThat(stats.rows()).isEqualTo(rows.size());
    assertThat(stats.deletes()).isZero();
    assertThat(stats.bytes()).isEqualTo(store.bytes("t/base.parquet").length);
    assertThat(stats.checksum())
        .isEqualTo(checksum(ALL_TYPES, rows))
        .isEqualTo(checksum(ALL_TYPES, back));
    assertThat(stats.checksum().count()).isEqualTo(rows.size());
  }

  @Test
  void columnsWrittenDirectlyGiveTheRecordConsumersBytesInEveryRowGroup() throws IOException {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      for (Object[] edge : SnapshotFixtures.edgeRows()) {
        Object[] row = edge.clone();
        row[0] = (long) (rows.size() + 1);
        rows.add(row);
      }
    }
    // Small row groups: the column writers are looked up again for each one.
    SnapshotWriterOptions small = new SnapshotWriterOptions(64 * 1024, 4 * 1024, 3);
    for (WriterVersion pages : WriterVersion.values()) {
      for (SnapshotKind kind : SnapshotKind.values()) {
        byte[] direct = writeWith(kind, small, rows, true, pages);
        byte[] assembled = writeWith(kind, small, rows, false, pages);

        assertThat(direct).as(kind + " " + pages).isEqualTo(assembled);
      }
    }
  }

  private byte[] writeWith(
      SnapshotKind kind, SnapshotWriterOptions options, List<Object[]> rows, boolean direct, WriterVersion pages)
      throws IOException {
    String key = "t/" + kind + "-" + direct + "-" + pages + ".parquet";
    try (SnapshotWriter writer = SnapshotWriter.open(TARGET, kind, store.create(key), options, null, direct, pages)) {
      long version = 1;
      for (Object[] row : rows) {
        if (kind == SnapshotKind.DELTA && row[0].equals(7L)) {
          writer.writeDelete(new Object[] {row[0]}, version++);
        } else {
          writer.writeValues(row);
        }
        assertThat(writer.writesColumnsDirectly()).isEqualTo(direct);
      }
      SnapshotFileStats stats = writer.finish();
      assertThat(stats.rows() + stats.deletes()).isEqualTo(rows.size());
      if (kind == SnapshotKind.BASE) {
        assertThat(text(readAll(readBase(key, stats)))).containsExactlyElementsOf(text(rows));
      }
    }
    return store.bytes(key);
  }

  @Test
  void theWriterCountsTheTimeItSpendsCompressingPages() throws IOException {
    SnapshotWriterOptions small = new SnapshotWriterOptions(64 * 1024, 4 * 1024, 3);
    long started = System.nanoTime();
    try (SnapshotWriter writer = SnapshotWriter.open(TARGET, SnapshotKind.BASE, store.create("t/timed.parquet"), small)) {
      assertThat(writer.compressNanos()).isZero();
      for (Object[] row : risingRows(3_000)) {
        writer.writeValues(row);
      }
      writer.finish();
      long elapsed = System.nanoTime() - started;

      assertThat(writer.compressNanos()).isPositive().isLessThan(elapsed);
    }
  }

  @Test
  void filesWithVersionOnePagesWrittenBeforeVersionTwoStillReadBack() throws IOException {
    List<Object[]> rows = risingRows(3_000);
    SnapshotWriterOptions small = new SnapshotWriterOptions(64 * 1024, 4 * 1024, 3);

    // writeWith reads the base back through SnapshotReader and compares it row by row.
    byte[] old = writeWith(SnapshotKind.BASE, small, rows, true, WriterVersion.PARQUET_1_0);

    List<ColumnChunkMetaData> chunks = columnChunks(old);
    assertThat(chunks).isNotEmpty().noneMatch(chunk -> chunk.getEncodingStats().usesV2Pages());
    assertThat(chunks)
        .flatMap(ColumnChunkMetaData::getEncodings)
        .doesNotContain(Encoding.DELTA_BINARY_PACKED, Encoding.DELTA_BYTE_ARRAY);
  }

  @Test
  void newFilesStoreRisingIntegersAsDeltasInVersionTwoPages() throws IOException {
    List<Object[]> rows = risingRows(3_000);
    SnapshotFileStats stats = write(store, "t/rising.parquet", TARGET, SnapshotKind.BASE, rows);

    List<ColumnChunkMetaData> chunks = columnChunks(store.bytes("t/rising.parquet"));

    assertThat(chunks).isNotEmpty().allMatch(chunk -> chunk.getEncodingStats().usesV2Pages());
    for (String column : List.of("id", "big", "version")) {
      assertThat(chunks)
          .filteredOn(chunk -> chunk.getPath().toDotString().equals(column))
          .singleElement()
          .satisfies(chunk -> assertThat(chunk.getEncodings()).as(column).contains(Encoding.DELTA_BINARY_PACKED));
    }
    assertThat(text(readAll(readBase("t/rising.parquet", stats)))).containsExactlyElementsOf(text(rows));
  }

  @Test
  void onlyTextAndBytesColumnsGetADictionary() throws IOException {
    List<Object[]> rows = risingRows(3_000);
    for (Object[] row : rows) {
      row[4] = ((Long) row[0] % 3) / 2.0; // ratio: three distinct doubles
      row[11] = new byte[] {(byte) ((Long) row[0] % 4)}; // blob: four distinct values
    }
    write(store, "t/kinds.parquet", TARGET, SnapshotKind.BASE, rows);

    List<ColumnChunkMetaData> chunks = columnChunks(store.bytes("t/kinds.parquet"));

    assertThat(chunks)
        .filteredOn(chunk -> List.of("name", "blob").contains(chunk.getPath().toDotString()))
        .hasSize(2)
        .allSatisfy(chunk -> assertThat(chunk.getEncodings()).contains(Encoding.RLE_DICTIONARY));
    assertThat(chunks)
        .filteredOn(chunk -> List.of("id", "small", "big", "ratio", "amount", "day", "at", "version")
            .contains(chunk.getPath().toDotString()))
        .hasSize(8)
        .allSatisfy(chunk -> assertThat(chunk.getEncodings()).as(chunk.getPath().toDotString())
            .doesNotContain(Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY));
  }

  /** Keys, versions and a column that rise together, as ids, timestamps and sequences do. */
  private static List<Object[]> risingRows(int count) {
    List<Object[]> rows = new ArrayList<>();
    for (long id = 1; id <= count; id++) {
      rows.add(
          SnapshotFixtures.row(
              id, id % 3 == 0, (int) id, 1_000_000 + id * 17, id / 4.0, id + ".25", null, null,
              "kind " + id % 5, LocalDate.ofEpochDay(19_000 + id / 100),
              Instant.ofEpochSecond(1_700_000_000L + id), null, 5_000 + id));
    }
    return rows;
  }

  private static List<ColumnChunkMetaData> columnChunks(byte[] file) throws IOException {
    int footerLength = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    ParquetMetadata footer =
        new ParquetMetadataConverter()
            .readParquetMetadata(
                new ByteArrayInputStream(file, file.length - 8 - footerLength, footerLength),
                ParquetMetadataConverter.NO_FILTER);
    return footer.getBlocks().stream().flatMap(block -> block.getColumns().stream()).toList();
  }

  @Test
  void everyNanIsStoredAsJavasOneNanWrittenFromValuesOrFromAResultSet() throws Exception {
    // x86's default NaN, sign bit set: what PostgreSQL computes for 'inf' - 'inf'.
    double signedNan = Double.longBitsToDouble(0xfff8000000000000L);
    byte[] canonical = doubleFile("canonical", Double.NaN, false);

    assertThat(doubleFile("from-values", signedNan, false)).isEqualTo(canonical);
    assertThat(doubleFile("from-result-set", signedNan, true)).isEqualTo(canonical);
    List<Object[]> back =
        readAll(
            SnapshotReader.readFile(
                store,
                new SnapshotObject("from-result-set", SnapshotKind.BASE, 1, canonical.length, 0, 0, "0000000000000000", 0),
                DOUBLES.columns()));
    assertThat(Double.doubleToRawLongBits((Double) back.get(0)[1])).isEqualTo(0x7ff8000000000000L);
  }

  private static final TargetDeclaration DOUBLES =
      new TargetDeclaration(
          "doubles",
          "doubles",
          "client_id",
          List.of("id"),
          "id",
          List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("d", ColumnType.DOUBLE, true)),
          null,
          0);

  /** A file of one row (1, {@code d}), written from Java values or from a result set. */
  private byte[] doubleFile(String key, double d, boolean fromResultSet) throws Exception {
    try (SnapshotWriter writer =
        SnapshotWriter.open(DOUBLES, SnapshotKind.BASE, store.create(key), SnapshotWriterOptions.defaults())) {
      if (fromResultSet) {
        writer.writeRow(
            new StubResultSet() {
              @Override
              public long getLong(int index) {
                return 1L;
              }

              @Override
              public double getDouble(int index) {
                return d;
              }

              @Override
              public boolean wasNull() {
                return false;
              }
            });
      } else {
        writer.writeValues(new Object[] {1L, d});
      }
      writer.finish();
    }
    return store.bytes(key);
  }

  @Test
  void emptyTargetIsAValidFileWithNoRows() throws IOException {
    SnapshotFileStats stats = write(store, "t/empty.parquet", TARGET, SnapshotKind.BASE, List.of());

    assertThat(stats.rows()).isZero();
    assertThat(stats.checksum().value()).isZero();
    assertThat(store.bytes("t/empty.parquet"))
        .startsWith('P', 'A', 'R', '1')
        .hasSizeGreaterThan(12);
    assertThat(readAll(readBase("t/empty.parquet", stats))).isEmpty();
  }

  @Test
  void largeStringsAndBytesRoundTrip() throws IOException {
    List<Object[]> rows = List.of(SnapshotFixtures.largeRow(1), SnapshotFixtures.largeRow(2));

    SnapshotFileStats stats = write(store, "t/large.parquet", TARGET, SnapshotKind.BASE, rows);
    List<Object[]> back = readAll(readBase("t/large.parquet", stats));

    assertThat(back).hasSize(2);
    assertThat((String) back.get(1)[8])
        .hasSizeGreaterThanOrEqualTo(1024 * 1024)
        .isEqualTo(rows.get(1)[8]);
    assertThat((byte[]) back.get(0)[11]).isEqualTo((byte[]) rows.get(0)[11]);
    assertThat(checksum(ALL_TYPES, back)).isEqualTo(stats.checksum());
  }

  @Test
  void manyRowGroupsStreamInOrder() throws IOException {
    List<Object[]> rows = new ArrayList<>();
    for (long id = 0; id < 50_000; id++) {
      rows.add(
          SnapshotFixtures.row(
              id,
              id % 2 == 0,
              (int) id,
              id * 3,
              id / 7.0,
              id + ".5000",
              null,
              null,
              "name-" + (id % 100),
              LocalDate.ofEpochDay(id % 20_000),
              Instant.ofEpochSecond(id, 1000),
              null,
              id));
    }
    SnapshotWriterOptions small = new SnapshotWriterOptions(64 * 1024, 8 * 1024, 3);
    SnapshotFileStats stats;
    try (SnapshotWriter writer =
        SnapshotWriter.open(TARGET, SnapshotKind.BASE, store.create("t/groups.parquet"), small)) {
      for (Object[] row : rows) {
        writer.writeValues(row);
      }
      assertThat(writer.bytesWritten()).as("row groups go out before finish").isPositive();
      stats = writer.finish();
    }

    List<Object[]> back = readAll(readBase("t/groups.parquet", stats));

    assertThat(text(back)).containsExactlyElementsOf(text(rows));
    assertThat(checksum(ALL_TYPES, back)).isEqualTo(stats.checksum());
  }

  @Test
  void rowGroupsStayWithinTheirBudgetEvenWhenRowsAreLarge() throws IOException {
    SnapshotWriterOptions oneMiB = new SnapshotWriterOptions(1024 * 1024, 256 * 1024, 3);
    List<Object[]> rows = new ArrayList<>();
    SnapshotFileStats stats;
    try (SnapshotWriter writer =
        SnapshotWriter.open(TARGET, SnapshotKind.BASE, store.create("t/big.parquet"), oneMiB)) {
      for (long id = 0; id < 12; id++) {
        Object[] row = SnapshotFixtures.largeRow(id);
        rows.add(row);
        writer.writeValues(row);
      }
      stats = writer.finish();
    }

    try (SnapshotFileReader file =
        SnapshotFileReader.open(
            "t/big.parquet", store.open("t/big.parquet"), ALL_TYPES, SnapshotKind.BASE)) {
      // Each row is ~1.7 MiB compressed: a row group may hold at most about one (Parquet's default
      // would buffer 100 rows before it first measures).
      assertThat(file.rowGroupBytes())
          .hasSizeGreaterThanOrEqualTo(6)
          .allSatisfy(bytes -> assertThat(bytes).isLessThan(5L * 1024 * 1024));
    }
    assertThat(checksum(ALL_TYPES, readAll(readBase("t/big.parquet", stats))))
        .isEqualTo(checksum(ALL_TYPES, rows));
  }

  @Test
  void nothingIsVisibleUntilFinishAndAbortLeavesNothing() throws IOException {
    SnapshotWriter aborted =
        SnapshotWriter.open(
            TARGET,
            SnapshotKind.BASE,
            store.create("t/a.parquet"),
            SnapshotWriterOptions.defaults());
    aborted.writeValues(SnapshotFixtures.edgeRows().get(0));
    assertThat(store.keys()).isEmpty();
    aborted.abort();
    aborted.abort();

    try (SnapshotWriter closedUnfinished =
        SnapshotWriter.open(
            TARGET,
            SnapshotKind.BASE,
            store.create("t/b.parquet"),
            SnapshotWriterOptions.defaults())) {
      closedUnfinished.writeValues(SnapshotFixtures.edgeRows().get(0));
    }

    assertThat(store.keys()).isEmpty();
    assertThat(store.abortedUploads()).isEqualTo(2);
    assertThat(store.openUploads()).isZero();
    assertThatThrownBy(() -> aborted.writeValues(SnapshotFixtures.edgeRows().get(0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("aborted");
  }

  @Test
  void aSealedFileHasItsFinalStatsButIsVisibleOnlyOncePublished() throws IOException {
    List<Object[]> rows = SnapshotFixtures.edgeRows();
    SnapshotWriter writer =
        SnapshotWriter.open(TARGET, SnapshotKind.BASE, store.create("t/s.parquet"), SnapshotWriterOptions.defaults());
    for (Object[] row : rows) {
      writer.writeValues(row);
    }

    SnapshotFileStats stats = writer.seal();

    assertThat(store.keys()).isEmpty();
    assertThat(stats.rows()).isEqualTo(rows.size());
    assertThatThrownBy(() -> writer.writeValues(rows.get(0))).isInstanceOf(IllegalStateException.class);
    writer.publish();
    assertThat(store.bytes("t/s.parquet")).hasSize((int) stats.bytes());
    assertThat(checksum(ALL_TYPES, readAll(readBase("t/s.parquet", stats)))).isEqualTo(stats.checksum());
    assertThatThrownBy(writer::publish).isInstanceOf(IllegalStateException.class).hasMessageContaining("finished");
  }

  @Test
  void aSealedFileThatIsAbortedLeavesNothing() throws IOException {
    SnapshotWriter writer =
        SnapshotWriter.open(TARGET, SnapshotKind.BASE, store.create("t/s.parquet"), SnapshotWriterOptions.defaults());
    writer.writeValues(SnapshotFixtures.edgeRows().get(0));
    writer.seal();

    writer.abort();

    assertThat(store.keys()).isEmpty();
    assertThat(store.abortedUploads()).isEqualTo(1);
    assertThatThrownBy(writer::publish).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
  }

  @Test
  void fileRecordsTheColumnDeclarationsInItsMetadata() throws IOException {
    write(store, "t/meta.parquet", TARGET, SnapshotKind.BASE, List.of());
    String file =
        new String(store.bytes("t/meta.parquet"), java.nio.charset.StandardCharsets.ISO_8859_1);

    assertThat(file)
        .contains("storage-builder.columns")
        .contains(
            "{\"name\":\"huge\",\"type\":\"DECIMAL\",\"nullable\":true,\"precision\":38,\"scale\":10}")
        .contains("storage-builder.kind");
  }

  @Test
  void readerRejectsAFileWhoseColumnsDoNotMatchTheManifest() throws IOException {
    SnapshotFileStats stats = write(store, "t/base.parquet", TARGET, SnapshotKind.BASE, List.of());
    var other = new ArrayList<>(ALL_TYPES);
    other.set(
        2,
        dev.storagebuilder.common.target.ColumnDeclaration.of(
            "small", dev.storagebuilder.common.target.ColumnType.INT64, true));

    assertThatThrownBy(
            () -> SnapshotReader.readFile(store, stats.toObject("t/base.parquet", 0, 0), other))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("t/base.parquet")
        .hasMessageContaining("'small'");
  }

  private CloseableIterator<Object[]> readBase(String key, SnapshotFileStats stats)
      throws IOException {
    return SnapshotReader.readFile(store, stats.toObject(key, 0, 0), ALL_TYPES);
  }
}
