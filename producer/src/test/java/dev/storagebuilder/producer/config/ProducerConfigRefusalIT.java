package dev.storagebuilder.producer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.testing.ConfiguredJvm;
import dev.storagebuilder.common.testing.ConfiguredJvm.Result;
import dev.storagebuilder.producer.ProducerApplication;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when the producer refuses its configuration: a producer JVM started as in
 * a container, with its settings in the environment.
 */
class ProducerConfigRefusalIT {
  @TempDir Path dir;

  @Test
  void aValueOutOfRangeStopsTheProducerWithOneLineNamingTheSettingBothWays() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_ENQUEUE_CONCURRENCY", "0"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: storage-builder.enqueue.concurrency"
            + " (STORAGE_BUILDER_ENQUEUE_CONCURRENCY) must be 1..64, got 0");
    assertThat(result.output()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aMisspeltSettingStopsTheProducerInsteadOfBeingIgnored() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_DLQ_SCAN_LIMT", "500"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: unknown setting STORAGE_BUILDER_DLQ_SCAN_LIMT,"
            + " did you mean STORAGE_BUILDER_DLQ_SCAN_LIMIT?");
  }

  /** Micronaut reads "1" or "ture" as false: CloudWatch metrics stayed off while the operator had turned them on. */
  @Test
  void aCloudWatchSwitchThatIsNeitherTrueNorFalseStopsTheProducer() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_CLOUDWATCH_METRICS", "1"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: STORAGE_BUILDER_CLOUDWATCH_METRICS"
            + " (micronaut.metrics.export.cloudwatch.enabled) must be true or false, got '1'");
  }

  /** The local fleet reads the producer's port from this file: one it cannot write is refused before the server binds. */
  @Test
  void aPortFileInADirectoryThatDoesNotExistStopsTheProducer() throws Exception {
    String portFile = dir.resolve("missing").resolve("producer.port").toString();
    Result result = start(Map.of("STORAGE_BUILDER_PORT_FILE", portFile));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: storage-builder.port-file (STORAGE_BUILDER_PORT_FILE) must name"
            + " a file in an existing directory, got '" + portFile + "'");
  }

  private Result start(Map<String, String> settings) throws IOException, InterruptedException {
    Map<String, String> environment = new HashMap<>();
    environment.put("STORAGE_BUILDER_API_TOKENS", "refusal-test-token-0123456789abcdef");
    environment.put("MICRONAUT_SERVER_PORT", "-1");
    environment.putAll(settings);
    return ConfiguredJvm.run(ProducerApplication.class, environment, dir.resolve("producer.log"));
  }
}
