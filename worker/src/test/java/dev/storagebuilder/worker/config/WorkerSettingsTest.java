package dev.storagebuilder.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerSettingsTest {
  private static final long HEAP_128M = 128L << 20;

  private final Map<String, String> properties = new HashMap<>(Map.of(
      "storage-builder.source.jdbc-url", "jdbc:h2:mem:settings",
      "storage-builder.aws.sqs-endpoint", "http://127.0.0.1:9324",
      "storage-builder.aws.access-key", "x",
      "storage-builder.aws.secret-key", "y"));

  private WorkerSettings load(long heap) {
    return WorkerSettingsProperties.from(name -> Optional.ofNullable(properties.get(name)), Map.of(), heap, "w-1");
  }

  @Test
  void defaultsFitA128MebibyteHeap() {
    WorkerSettings settings = load(HEAP_128M);
    assertThat(settings.loop().concurrency()).isEqualTo(2);
    assertThat(settings.poolSize()).isGreaterThanOrEqualTo(settings.loop().concurrency());
    assertThat(settings.workerId()).isEqualTo("w-1");
    assertThat(settings.source().targetNames()).contains("raw_data", "entities");
  }

  @Test
  void refusesAConfigurationThatCannotFitItsHeap() {
    properties.put("storage-builder.worker.concurrency", "16");
    properties.put("storage-builder.worker.pool-size", "16");
    assertThatThrownBy(() -> load(HEAP_128M))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memory budget does not fit")
        .hasMessageContaining("worker.concurrency 16");
  }

  @Test
  void poolMustCoverConcurrency() {
    properties.put("storage-builder.worker.concurrency", "4");
    properties.put("storage-builder.worker.pool-size", "3");
    assertThatThrownBy(() -> load(1L << 30)).hasMessageContaining("worker.pool-size must be >= worker.concurrency (4), got 3");
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheSetting() {
    properties.put("storage-builder.worker.concurrency", "0");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("worker.concurrency must be 1..64, got 0");
    properties.put("storage-builder.worker.concurrency", "2");
    properties.put("storage-builder.worker.part-bytes", "1MiB");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageContaining("worker.part-bytes must be 5 MiB");
    properties.put("storage-builder.worker.part-bytes", "lots");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("storage-builder.worker.part-bytes: cannot parse 'lots'");
  }

  @Test
  void readsPostgresWithCopyUnlessSwitchedOff() {
    assertThat(load(HEAP_128M).postgresCopy()).isTrue();
    properties.put("storage-builder.worker.postgres-copy", "false");
    assertThat(load(HEAP_128M).postgresCopy()).isFalse();
    properties.put("storage-builder.worker.postgres-copy", "no");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("storage-builder.worker.postgres-copy: cannot parse 'no'");
  }

  @Test
  void requiresASource() {
    properties.remove("storage-builder.source.jdbc-url");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageContaining("no source configured");
  }

  @Test
  void parsesDurationsAndSizesWithUnits() {
    assertThat(WorkerSettingsProperties.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(WorkerSettingsProperties.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(WorkerSettingsProperties.parseDuration("PT2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(WorkerSettingsProperties.parseBytes("8MiB")).isEqualTo(8L << 20);
    assertThat(WorkerSettingsProperties.parseBytes("1024")).isEqualTo(1024);
  }
}
