package dev.storagebuilder.common.snapshot;

import static dev.storagebuilder.common.snapshot.SnapshotFixtures.ALL_TYPES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowChecksumTest {
  private static final List<ColumnDeclaration> ONE_STRING =
      List.of(ColumnDeclaration.of("s", ColumnType.STRING, true));

  @Test
  void isStableAcrossBuilds() {
    // Pinned: stored manifests and version records carry this value. A change here is a format
    // change.
    RowChecksum checksum = new RowChecksum(ALL_TYPES);
    checksum.add(
        SnapshotFixtures.row(
            1L,
            true,
            -7,
            1L << 40,
            0.1,
            "-12.3400",
            "1.00",
            "-1234567890123456789012345678.0123456789",
            "é😀",
            java.time.LocalDate.of(1969, 7, 20),
            Instant.parse("1969-07-20T20:17:40.000001Z"),
            new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8},
            3L));
    checksum.add(
        SnapshotFixtures.row(
            2L, null, null, null, null, null, null, null, null, null, null, null, 4L));
    checksum.add(
        SnapshotFixtures.row(
            3L,
            false,
            0,
            0L,
            -0.0,
            "0.0000",
            "0.00",
            "0E-10",
            "",
            java.time.LocalDate.of(2024, 1, 1),
            Instant.EPOCH,
            new byte[0],
            5L));

    assertThat(checksum.count()).isEqualTo(3);
    assertThat(checksum.toHex()).isEqualTo("22dbcdf0a6c4808c");
  }

  @Test
  void doesNotDependOnRowOrder() {
    List<Object[]> rows = new ArrayList<>(SnapshotFixtures.edgeRows());
    RowChecksum inOrder = SnapshotFixtures.checksum(ALL_TYPES, rows);
    long seed = new Random().nextLong();
    Collections.shuffle(rows, new Random(seed));

    assertThat(SnapshotFixtures.checksum(ALL_TYPES, rows)).as("seed %d", seed).isEqualTo(inOrder);
  }

  @Test
  void nullDiffersFromEmptyStringAndZero() {
    List<ColumnDeclaration> number = List.of(ColumnDeclaration.of("n", ColumnType.INT64, true));

    assertThat(hash(ONE_STRING, (Object) null)).isNotEqualTo(hash(ONE_STRING, ""));
    assertThat(hash(number, (Object) null)).isNotEqualTo(hash(number, 0L));
    assertThat(hash(ONE_STRING, "")).isNotEqualTo(hash(ONE_STRING, "\u0000"));
  }

  @Test
  void valuesAreTaggedWithTheirDeclaredType() {
    assertThat(hash(List.of(ColumnDeclaration.of("n", ColumnType.INT32, false)), 1))
        .isNotEqualTo(hash(List.of(ColumnDeclaration.of("n", ColumnType.INT64, false)), 1L));
    List<ColumnDeclaration> two =
        List.of(
            ColumnDeclaration.of("a", ColumnType.STRING, true),
            ColumnDeclaration.of("b", ColumnType.STRING, true));
    assertThat(hash(two, "ab", "")).isNotEqualTo(hash(two, "a", "b"));
  }

  @Test
  void decimalsHashAtTheirDeclaredScale() {
    List<ColumnDeclaration> decimal = List.of(ColumnDeclaration.decimal("d", 38, 4, false));

    assertThat(hash(decimal, new BigDecimal("1.5")))
        .isEqualTo(hash(decimal, new BigDecimal("1.5000")));
    assertThat(hash(decimal, new BigDecimal("123456789012345678901234567890.1234")))
        .isNotEqualTo(hash(decimal, new BigDecimal("123456789012345678901234567890.1235")));
  }

  @Test
  void timestampsHashAsTheSameInstantWhateverTheirJavaType() {
    List<ColumnDeclaration> timestamp =
        List.of(ColumnDeclaration.of("t", ColumnType.TIMESTAMP, false));
    Instant instant = Instant.parse("1960-03-04T05:06:07.123456Z");

    assertThat(hash(timestamp, OffsetDateTime.ofInstant(instant, ZoneOffset.ofHours(5))))
        .isEqualTo(hash(timestamp, instant));
    assertThat(hash(timestamp, LocalDateTime.ofInstant(instant, ZoneOffset.UTC)))
        .isEqualTo(hash(timestamp, instant));
    assertThat(hash(timestamp, instant.plusNanos(999)))
        .as("below microseconds")
        .isEqualTo(hash(timestamp, instant));
    assertThat(hash(timestamp, instant.plusNanos(1000))).isNotEqualTo(hash(timestamp, instant));
  }

  @Test
  void removeMergeAndSubtractUndoEachOther() {
    List<Object[]> rows = SnapshotFixtures.edgeRows();
    RowChecksum all = SnapshotFixtures.checksum(ALL_TYPES, rows);
    RowChecksum firstTwo = SnapshotFixtures.checksum(ALL_TYPES, rows.subList(0, 2));
    RowChecksum rest = SnapshotFixtures.checksum(ALL_TYPES, rows.subList(2, rows.size()));

    RowChecksum merged = firstTwo.copy();
    merged.merge(rest);
    assertThat(merged).isEqualTo(all);

    RowChecksum removed = all.copy();
    removed.remove(rows.get(0));
    removed.remove(rows.get(1));
    assertThat(removed).isEqualTo(rest);

    RowChecksum subtracted = all.copy();
    subtracted.subtract(rest);
    assertThat(subtracted).isEqualTo(firstTwo);
  }

  @Test
  void restoresFromItsHexForm() {
    RowChecksum checksum = SnapshotFixtures.checksum(ALL_TYPES, SnapshotFixtures.edgeRows());

    RowChecksum restored = RowChecksum.of(ALL_TYPES, checksum.count(), checksum.toHex());

    assertThat(restored).isEqualTo(checksum);
    assertThat(checksum.toHex()).hasSize(16).matches("[0-9a-f]{16}");
    assertThatThrownBy(() -> RowChecksum.parseHex("xyz")).hasMessageContaining("16 hex digits");
  }

  private static long hash(List<ColumnDeclaration> columns, Object... values) {
    return new RowChecksum(columns).hash(values);
  }
}
