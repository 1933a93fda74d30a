package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** A target with every column type, rows that exercise the edges, and helpers to compare rows. */
final class SnapshotFixtures {
  static final List<ColumnDeclaration> ALL_TYPES =
      List.of(
          ColumnDeclaration.of("id", ColumnType.INT64, false),
          ColumnDeclaration.of("flag", ColumnType.BOOLEAN, true),
          ColumnDeclaration.of("small", ColumnType.INT32, true),
          ColumnDeclaration.of("big", ColumnType.INT64, true),
          ColumnDeclaration.of("ratio", ColumnType.DOUBLE, true),
          ColumnDeclaration.decimal("amount", 18, 4, true),
          ColumnDeclaration.decimal("tiny", 5, 2, true),
          ColumnDeclaration.decimal("huge", 38, 10, true),
          ColumnDeclaration.of("name", ColumnType.STRING, true),
          ColumnDeclaration.of("day", ColumnType.DATE, true),
          ColumnDeclaration.of("at", ColumnType.TIMESTAMP, true),
          ColumnDeclaration.of("blob", ColumnType.BYTES, true),
          ColumnDeclaration.of("version", ColumnType.INT64, false));

  static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "all_types", "all_types", "client_id", List.of("id"), "version", ALL_TYPES, null, 0);

  static final String EMOJI_TEXT = "héllo wörld ✓ 日本語 😀🎉 \u0000 tab\tnewline\n'quote\"";

  private SnapshotFixtures() {}

  /**
   * Rows covering nulls, zero and empty values, extremes, unicode, pre-1970 instants, 38 digits.
   */
  static List<Object[]> edgeRows() {
    List<Object[]> rows = new ArrayList<>();
    rows.add(
        row(
            1L,
            true,
            42,
            9_000_000_000L,
            3.25,
            "12345.6789",
            "-1.50",
            "1.0000000001",
            "plain",
            LocalDate.of(2024, 2, 29),
            Instant.parse("2024-05-06T07:08:09.123456Z"),
            new byte[] {1, 2, 3},
            10L));
    rows.add(row(2L, null, null, null, null, null, null, null, null, null, null, null, 11L));
    rows.add(
        row(
            3L,
            false,
            0,
            0L,
            0.0,
            "0.0000",
            "0.00",
            "0E-10",
            "",
            LocalDate.of(1970, 1, 1),
            Instant.EPOCH,
            new byte[0],
            12L));
    rows.add(
        row(
            4L,
            true,
            Integer.MIN_VALUE,
            Long.MIN_VALUE,
            -0.0,
            "-99999999999999.9999",
            "-999.99",
            "-9999999999999999999999999999.9999999999",
            EMOJI_TEXT,
            LocalDate.of(1, 1, 1),
            Instant.parse("1969-12-31T23:59:59.999999Z"),
            new byte[] {(byte) 0xff, 0, (byte) 0x80},
            13L));
    rows.add(
        row(
            5L,
            false,
            Integer.MAX_VALUE,
            Long.MAX_VALUE,
            Double.MAX_VALUE,
            "99999999999999.9999",
            "999.99",
            "9999999999999999999999999999.9999999999",
            "𝄞 musical, ∑ math, 🇩🇪 flag",
            LocalDate.of(9999, 12, 31),
            Instant.parse("1900-01-01T00:00:00.000001Z"),
            new byte[] {0},
            14L));
    rows.add(
        row(
            6L,
            true,
            -1,
            -1L,
            Double.MIN_VALUE,
            "0.0001",
            "0.01",
            "1234567890123456789012345678.0123456789",
            "a",
            LocalDate.of(1899, 12, 31),
            Instant.parse("1677-09-21T00:12:43.145225Z"),
            new byte[] {7},
            15L));
    rows.add(
        row(
            7L,
            null,
            7,
            null,
            Double.NaN,
            null,
            "12.30",
            null,
            "NaN row",
            null,
            Instant.parse("2262-04-11T23:47:16.854775Z"),
            null,
            16L));
    rows.add(
        row(
            8L,
            true,
            8,
            8L,
            Double.POSITIVE_INFINITY,
            "1",
            "1",
            "-0.0000000001",
            "inf",
            LocalDate.of(2000, 1, 1),
            Instant.parse("2000-01-01T00:00:00Z"),
            new byte[] {8},
            17L));
    return rows;
  }

  /** One row with a 1 MiB string (multi-byte characters included) and a 1 MiB byte array. */
  static Object[] largeRow(long id) {
    Random random = new Random(id);
    StringBuilder text = new StringBuilder();
    String alphabet = "abcdefghijklmnopqrstuvwxyzäöü€😀";
    while (text.length() < 1024 * 1024) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length() - 2)));
      if (random.nextInt(100) == 0) {
        text.append("😀");
      }
    }
    byte[] blob = new byte[1024 * 1024];
    random.nextBytes(blob);
    return row(
        id,
        true,
        1,
        1L,
        1.0,
        "1.0000",
        "1.00",
        "1.0000000000",
        text.toString(),
        LocalDate.of(2020, 1, 1),
        Instant.parse("2020-01-01T00:00:00Z"),
        blob,
        99L);
  }

  static Object[] row(
      long id,
      Boolean flag,
      Integer small,
      Long big,
      Double ratio,
      String amount,
      String tiny,
      String huge,
      String name,
      LocalDate day,
      Instant at,
      byte[] blob,
      long version) {
    return new Object[] {
      id,
      flag,
      small,
      big,
      ratio,
      decimal(amount, 4),
      decimal(tiny, 2),
      decimal(huge, 10),
      name,
      day,
      at,
      blob,
      version
    };
  }

  private static BigDecimal decimal(String value, int scale) {
    return value == null ? null : new BigDecimal(value).setScale(scale);
  }

  static SnapshotFileStats write(
      ObjectStore store,
      String key,
      TargetDeclaration target,
      SnapshotKind kind,
      List<Object[]> rows)
      throws IOException {
    try (SnapshotWriter writer =
        SnapshotWriter.open(target, kind, store.create(key), SnapshotWriterOptions.defaults())) {
      for (Object[] row : rows) {
        writer.writeValues(row);
      }
      return writer.finish();
    }
  }

  static List<Object[]> readAll(CloseableIterator<Object[]> rows) {
    try (rows) {
      List<Object[]> all = new ArrayList<>();
      rows.forEachRemaining(all::add);
      return all;
    }
  }

  /**
   * Rows as comparable text: byte arrays by content, decimals with their scale, instants in ISO.
   */
  static List<String> text(List<Object[]> rows) {
    return rows.stream().map(SnapshotFixtures::text).toList();
  }

  static String text(Object[] row) {
    return Arrays.deepToString(row);
  }

  static RowChecksum checksum(List<ColumnDeclaration> columns, List<Object[]> rows) {
    RowChecksum checksum = new RowChecksum(columns);
    rows.forEach(checksum::add);
    return checksum;
  }
}
