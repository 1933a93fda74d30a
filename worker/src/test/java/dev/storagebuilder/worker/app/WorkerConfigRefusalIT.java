package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.process.ParentWatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when the worker refuses its configuration: a worker JVM started as in a
 * container, with its settings in the environment.
 */
class WorkerConfigRefusalIT {
  @TempDir Path dir;

  @Test
  void aValueOutOfRangeStopsTheWorkerWithOneLineNamingTheSettingBothWays() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_WORKER_CONCURRENCY", "0"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: storage-builder.worker.concurrency"
            + " (STORAGE_BUILDER_WORKER_CONCURRENCY) must be 1..64, got 0");
    assertThat(result.output()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aMisspeltSettingStopsTheWorkerInsteadOfBeingIgnored() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_WORKER_CONCURENCY", "4"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: unknown setting STORAGE_BUILDER_WORKER_CONCURENCY,"
            + " did you mean STORAGE_BUILDER_WORKER_CONCURRENCY?");
  }

  private record Result(int exitCode, String output) {
    List<String> errorLines() {
      return output.lines().filter(line -> line.contains("ERROR")).toList();
    }
  }

  private Result start(Map<String, String> settings) throws IOException, InterruptedException {
    Path log = dir.resolve("worker.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-D" + ParentWatch.PROPERTY + "=" + ProcessHandle.current().pid(),
                "-cp",
                System.getProperty("java.class.path"),
                WorkerApplication.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("STORAGE_BUILDER_"));
    // Everything else valid, and nothing reachable: a worker that does start fails its checks, not
    // this test's machine's AWS account.
    environment.put("STORAGE_BUILDER_SOURCE_JDBC_URL", "jdbc:h2:mem:refusal");
    environment.put("STORAGE_BUILDER_AWS_SQS_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_S3_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_DYNAMODB_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_ACCESS_KEY", "x");
    environment.put("STORAGE_BUILDER_AWS_SECRET_KEY", "y");
    environment.put("MICRONAUT_SERVER_PORT", "0");
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
