package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnapshotWriterOptionsTest {
  @Test
  void defaultsAre32MiBRowGroupsAnd1MiBPages() {
    SnapshotWriterOptions options = SnapshotWriterOptions.defaults();

    assertThat(options.rowGroupBytes()).isEqualTo(32L * 1024 * 1024);
    assertThat(options.pageBytes()).isEqualTo(1024 * 1024);
    assertThat(options.zstdLevel()).isEqualTo(SnapshotWriterOptions.DEFAULT_ZSTD_LEVEL);
  }

  @Test
  void rowGroupSizeOutOfRangeIsRejectedNamingTheSetting() {
    assertThatThrownBy(() -> SnapshotWriterOptions.defaults().withRowGroupBytes(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot.rowGroupBytes must be 65536..1073741824 (64 KiB..1 GiB), got 1000");
    assertThatThrownBy(() -> SnapshotWriterOptions.defaults().withRowGroupBytes(2L << 30))
        .hasMessageStartingWith("snapshot.rowGroupBytes must be");
  }

  @Test
  void pageSizeOutOfRangeOrAboveTheRowGroupIsRejected() {
    assertThatThrownBy(() -> SnapshotWriterOptions.defaults().withPageBytes(0))
        .hasMessage("snapshot.pageBytes must be 4096..67108864 (4 KiB..64 MiB), got 0");
    assertThatThrownBy(() -> new SnapshotWriterOptions(64 * 1024, 128 * 1024, 1))
        .hasMessage("snapshot.pageBytes (131072) must not exceed snapshot.rowGroupBytes (65536)");
  }

  @Test
  void zstdLevelOutOfRangeIsRejected() {
    assertThatThrownBy(() -> SnapshotWriterOptions.defaults().withZstdLevel(23))
        .hasMessage("snapshot.zstdLevel must be -7..-1 or 1..22, got 23");
    assertThatThrownBy(() -> SnapshotWriterOptions.defaults().withZstdLevel(0))
        .hasMessageStartingWith("snapshot.zstdLevel must be");
    assertThat(SnapshotWriterOptions.defaults().withZstdLevel(-3).zstdLevel()).isEqualTo(-3);
  }
}
