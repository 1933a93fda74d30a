package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.config.WorkerSettingsProperties;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IncrementalSettingsTest {
  private static final Map<String, String> BASE =
      Map.of(
          "storage-builder.source.jdbc-url", "jdbc:h2:mem:settings",
          "storage-builder.aws.sqs-endpoint", "http://127.0.0.1:9324",
          "storage-builder.aws.access-key", "x",
          "storage-builder.aws.secret-key", "y");

  private static WorkerSettings settings(Map<String, String> extra) {
    Map<String, String> all = new java.util.HashMap<>(BASE);
    all.putAll(extra);
    return WorkerSettingsProperties.from(name -> Optional.ofNullable(all.get(name)), Map.of(), 1L << 30, "w");
  }

  @Test
  void defaultsAreEightDeltasHalfTheBaseAndTheDialectsOverlap() {
    WorkerSettings settings = settings(Map.of());
    assertThat(settings.compaction()).isEqualTo(CompactionPolicy.defaults());
    assertThat(settings.changeRead()).isEqualTo(ChangeReadSettings.defaults());
  }

  @Test
  void propertiesSetCompactionOverlapAndSettleTimeout() {
    WorkerSettings settings =
        settings(Map.of(
            "storage-builder.worker.max-chain-length", "3",
            "storage-builder.worker.max-delta-fraction", "0.25",
            "storage-builder.worker.overlap-versions", "500",
            "storage-builder.worker.settle-timeout", "2s"));
    assertThat(settings.compaction()).isEqualTo(new CompactionPolicy(3, 0.25));
    assertThat(settings.changeRead()).isEqualTo(new ChangeReadSettings(500, Duration.ofSeconds(2)));
  }

  @Test
  void badValuesAreRejectedNamingTheSetting() {
    assertThatThrownBy(() -> new CompactionPolicy(-1, 0.5)).hasMessageContaining("worker.max-chain-length");
    assertThatThrownBy(() -> new CompactionPolicy(8, 0)).hasMessageContaining("worker.max-delta-fraction");
    assertThatThrownBy(() -> new ChangeReadSettings(-2, Duration.ZERO)).hasMessageContaining("worker.overlap-versions");
    assertThatThrownBy(() -> new ChangeReadSettings(0, Duration.ofHours(1))).hasMessageContaining("worker.settle-timeout");
    assertThatThrownBy(() -> settings(Map.of("storage-builder.worker.overlap-versions", "lots")))
        .hasMessageContaining("overlap-versions");
  }
}
