package dev.storagebuilder.producer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.process.ParentWatch;
import dev.storagebuilder.producer.ProducerApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

  private record Result(int exitCode, String output) {
    List<String> errorLines() {
      return output.lines().filter(line -> line.contains("ERROR")).toList();
    }
  }

  private Result start(Map<String, String> settings) throws IOException, InterruptedException {
    Path log = dir.resolve("producer.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-D" + ParentWatch.PROPERTY + "=" + ProcessHandle.current().pid(),
                "-cp",
                System.getProperty("java.class.path"),
                ProducerApplication.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("STORAGE_BUILDER_"));
    // Everything else valid, and nothing reachable: a producer that does start reaches no AWS
    // account.
    environment.put("STORAGE_BUILDER_SOURCE_JDBC_URL", "jdbc:h2:mem:refusal");
    environment.put("STORAGE_BUILDER_AWS_SQS_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_S3_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_DYNAMODB_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_ACCESS_KEY", "x");
    environment.put("STORAGE_BUILDER_AWS_SECRET_KEY", "y");
    environment.put("STORAGE_BUILDER_API_TOKENS", "refusal-test-token-0123456789abcdef");
    environment.put("MICRONAUT_SERVER_PORT", "-1");
    environment.putAll(settings);
    Process process = builder.start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        return new Result(-1, Files.readString(log));
      }
      return new Result(process.exitValue(), Files.readString(log));
    } finally {
      process.destroyForcibly();
    }
  }
}
