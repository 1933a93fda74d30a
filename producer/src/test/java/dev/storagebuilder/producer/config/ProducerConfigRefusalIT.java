package dev.storagebuilder.producer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.testing.ConfiguredJvm;
import dev.storagebuilder.common.testing.ConfiguredJvm.Result;
import dev.storagebuilder.producer.ProducerApplication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
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

  /** Micronaut failed to bind it: a stack trace and only then a line that named no property. */
  @Test
  void aServerPortThatIsNoPortStopsTheProducerNamingTheProperty() throws Exception {
    for (String port : List.of("abc", "70000")) {
      Result result = start(Map.of("MICRONAUT_SERVER_PORT", port));

      assertThat(result.exitCode()).as(port).isEqualTo(ConfigurationRefusal.EXIT_CODE);
      assertThat(result.errorLines()).as(port)
          .singleElement()
          .asString()
          .contains("producer refused its configuration: micronaut.server.port (MICRONAUT_SERVER_PORT) must be"
              + " 0..65535 (or -1, any free port), got '" + port + "'");
      assertThat(result.output()).as(port).doesNotContain("\tat ");
    }
  }

  /** A Micronaut property of a type Micronaut cannot convert the value to ended in a 60-line stack trace. */
  @Test
  void aMicronautPropertyMicronautCannotReadStopsTheProducerNamingIt() throws Exception {
    Result result = start(Map.of("MICRONAUT_SERVER_IDLE_TIMEOUT", "soon"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: micronaut.server.idle-timeout (MICRONAUT_SERVER_IDLE_TIMEOUT)"
            + " cannot be read, got 'soon'")
        .contains("Duration");
    assertThat(result.output()).doesNotContain("\tat ");
  }

  @Test
  void aMetricsPropertyMicrometerRefusesStopsTheProducer() throws Exception {
    Result result = start(Map.of("MICRONAUT_METRICS_EXPORT_PROMETHEUS_STEP", "often"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("producer refused its configuration: prometheus.step was 'often' but it must be a valid duration"
            + " value (properties micronaut.metrics.export.*)");
    assertThat(result.output()).doesNotContain("\tat ");
  }

  /** A port another process holds is no mistake in the configuration: the failure keeps its stack trace. */
  @Test
  void aStartThatFailsForAnotherReasonKeepsItsStackTrace() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result result = start(Map.of("MICRONAUT_SERVER_PORT", String.valueOf(taken.getLocalPort())));

      assertThat(result.exitCode()).isNotEqualTo(ConfigurationRefusal.EXIT_CODE).isNotZero();
      assertThat(result.output()).doesNotContain("refused its configuration").contains("\tat ");
    }
  }

  /**
   * An IllegalArgumentException that no settings' check threw is a bug, whatever its message says:
   * it counted as a refusal, exit 78 and one line, its stack trace lost.
   */
  @Test
  void anIllegalArgumentThatNoSettingsCheckThrewKeepsItsStackTrace() throws Exception {
    Result result = start(Map.of("REFUSAL_TEST_ILLEGAL_ARGUMENT_AT_START", "true"));

    assertThat(result.exitCode()).isNotEqualTo(ConfigurationRefusal.EXIT_CODE).isNotZero();
    assertThat(result.output())
        .doesNotContain("refused its configuration")
        .contains("IllegalArgumentException: storage-builder.enqueue.concurrency must be 1..64, got 0")
        .contains("\tat dev.storagebuilder.producer.IllegalArgumentAtStart.<init>");
  }

  private Result start(Map<String, String> settings) throws IOException, InterruptedException {
    Map<String, String> environment = new HashMap<>();
    environment.put("STORAGE_BUILDER_API_TOKENS", "refusal-test-token-0123456789abcdef");
    environment.put("MICRONAUT_SERVER_PORT", "-1");
    environment.putAll(settings);
    return ConfiguredJvm.run(ProducerApplication.class, environment, dir.resolve("producer.log"));
  }
}
