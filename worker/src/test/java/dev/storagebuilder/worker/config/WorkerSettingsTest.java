package dev.storagebuilder.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.worker.resilience.BreakerSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
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
  void eachAwsDependencyHasItsOwnBreakerSettingsWithDefaults() {
    properties.put("storage-builder.worker.s3-breaker-open-wait", "5s");
    properties.put("storage-builder.worker.dynamodb-breaker-minimum-calls", "8");
    properties.put("storage-builder.worker.dynamodb-breaker-window", "20");
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));

    BreakerSettings s3 = WorkerSettingsProperties.breaker(lookup, "s3");
    BreakerSettings dynamodb = WorkerSettingsProperties.breaker(lookup, "dynamodb");

    assertThat(s3).isEqualTo(new BreakerSettings("s3", 50, 10, 4, Duration.ofSeconds(5)));
    assertThat(dynamodb).isEqualTo(new BreakerSettings("dynamodb", 50, 20, 8, Duration.ofSeconds(15)));
    properties.put("storage-builder.worker.s3-breaker-minimum-calls", "11");
    assertThatThrownBy(() -> WorkerSettingsProperties.breaker(lookup, "s3"))
        .hasMessageContaining("worker.s3-breaker-minimum-calls must be 1..worker.s3-breaker-window, got 11 / 10");
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
