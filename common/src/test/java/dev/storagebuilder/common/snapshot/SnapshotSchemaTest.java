package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Parquet schema is the format's contract with every other reader: pinned here. */
class SnapshotSchemaTest {
  @Test
  void baseFilesMapEveryDeclaredTypeToItsParquetLogicalType() {
    assertThat(SnapshotSchema.of(SnapshotFixtures.TARGET, SnapshotKind.BASE).toString())
        .isEqualTo(
            """
            message all_types {
              required int64 id;
              optional boolean flag;
              optional int32 small;
              optional int64 big;
              optional double ratio;
              optional int64 amount (DECIMAL(18,4));
              optional int32 tiny (DECIMAL(5,2));
              optional fixed_len_byte_array(16) huge (DECIMAL(38,10));
              optional binary name (STRING);
              optional int32 day (DATE);
              optional int64 at (TIMESTAMP(MICROS,true));
              optional binary blob;
              required int64 version;
            }
            """);
  }

  @Test
  void deltaFilesMakeNonKeyColumnsOptionalAndAddOperationAndVersion() {
    List<ColumnDeclaration> columns =
        List.of(
            ColumnDeclaration.of("id", ColumnType.INT64, false),
            ColumnDeclaration.of("name", ColumnType.STRING, false),
            ColumnDeclaration.of("version", ColumnType.INT64, false));
    TargetDeclaration target =
        new TargetDeclaration("t", "t", "client_id", List.of("id"), "version", columns, null, 0);

    assertThat(SnapshotSchema.of(target, SnapshotKind.DELTA).toString())
        .isEqualTo(
            """
            message t {
              required int64 id;
              optional binary name (STRING);
              optional int64 version;
              required binary _sb_op (STRING);
              required int64 _sb_version;
            }
            """);
  }

  @Test
  void decimalsUseTheSmallestPhysicalTypeForTheirPrecision() {
    assertThat(SnapshotSchema.decimalPhysical(9).name()).isEqualTo("INT32");
    assertThat(SnapshotSchema.decimalPhysical(10).name()).isEqualTo("INT64");
    assertThat(SnapshotSchema.decimalPhysical(18).name()).isEqualTo("INT64");
    assertThat(SnapshotSchema.decimalPhysical(19).name()).isEqualTo("FIXED_LEN_BYTE_ARRAY");
    assertThat(SnapshotSchema.fixedLength(19)).isEqualTo(9);
    assertThat(SnapshotSchema.fixedLength(38)).isEqualTo(16);
  }

  @Test
  void aColumnNamedLikeADeltaColumnIsRejectedForDeltas() {
    List<ColumnDeclaration> columns =
        List.of(
            ColumnDeclaration.of("id", ColumnType.INT64, false),
            ColumnDeclaration.of("_sb_op", ColumnType.STRING, true));
    TargetDeclaration target =
        new TargetDeclaration("t", "t", "client_id", List.of("id"), "id", columns, null, 0);

    assertThatThrownBy(() -> SnapshotSchema.of(target, SnapshotKind.DELTA))
        .hasMessageContaining("'_sb_op'");
  }

  @Test
  void aDeclaredColumnNamedLikeADeltaColumnStopsTheSourceConfigAtStartup() {
    // Full syncs wrote such a target's bases; its first change then failed every incremental sync
    // (the delta schema refuses the name) as an unexpected error, sending it to the DLQ each run.
    for (String name : List.of("_sb_version", "_SB_OP")) {
      TargetDeclaration target =
          new TargetDeclaration(
              "items", "items", "client_id", List.of("id"), "id",
              List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of(name, ColumnType.INT64, true)),
              null, 0);

      assertThatThrownBy(() -> new SourceConfig("jdbc:h2:mem:t", null, null, "SELECT 1", List.of(target)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("target 'items'")
          .hasMessageContaining("'" + name + "'")
          .hasMessageContaining("reserved");
    }
  }
}
