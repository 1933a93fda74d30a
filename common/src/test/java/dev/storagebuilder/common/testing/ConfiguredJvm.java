package dev.storagebuilder.common.testing;

import dev.storagebuilder.common.process.ParentWatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of the test's classpath started as in a container, its settings in the environment only:
 * for what an operator sees when an application starts. No {@code STORAGE_BUILDER_*} variable of
 * the test's own environment reaches it; an H2 source and AWS endpoints nothing listens on are
 * set, so an application that does start reaches no database and no AWS account of the machine.
 */
public final class ConfiguredJvm {
  /** What the JVM printed, and its exit code (-1: still running after a minute, then killed). */
  public record Result(int exitCode, String output) {
    public List<String> errorLines() {
      return output.lines().filter(line -> line.contains("ERROR")).toList();
    }
  }

  private ConfiguredJvm() {}

  /** @param settings environment variables, over the defaults above */
  public static ProcessBuilder builder(Class<?> main, Map<String, String> settings, Path log) {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-D" + ParentWatch.PROPERTY + "=" + ProcessHandle.current().pid(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("STORAGE_BUILDER_"));
    environment.put("STORAGE_BUILDER_SOURCE_JDBC_URL", "jdbc:h2:mem:refusal");
    environment.put("STORAGE_BUILDER_AWS_SQS_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_S3_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_DYNAMODB_ENDPOINT", "http://127.0.0.1:9");
    environment.put("STORAGE_BUILDER_AWS_ACCESS_KEY", "x");
    environment.put("STORAGE_BUILDER_AWS_SECRET_KEY", "y");
    environment.putAll(settings);
    return builder;
  }

  /** Runs it to its exit, a minute at most. */
  public static Result run(Class<?> main, Map<String, String> settings, Path log)
      throws IOException, InterruptedException {
    Files.deleteIfExists(log);
    Process process = builder(main, settings, log).start();
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
