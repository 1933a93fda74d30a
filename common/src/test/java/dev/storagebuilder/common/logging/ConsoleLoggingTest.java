package dev.storagebuilder.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fleet process's logging as configured in code: plain or JSON lines, an operator's file first. */
class ConsoleLoggingTest {
  private static final String PATTERN = "%-5level %logger{20} run=%X{run:-} - %msg%n";

  @TempDir Path dir;

  /** What one configured context prints for an INFO and a DEBUG line of a quiet and a loud logger. */
  private static List<String> lines(Map<String, String> variables) {
    ConsoleLogging logging =
        new ConsoleLogging(PATTERN, Map.of("chatty.library", Level.WARN), name -> Optional.ofNullable(variables.get(name))) {};
    PrintedLines printed = PrintedLines.by(logging, context -> {
      context.getMDCAdapter().put("run", "run-1");
      context.getLogger("dev.storagebuilder.Thing").info("finished {} rows", 42);
      context.getLogger("dev.storagebuilder.Thing").debug("below the root level");
      context.getLogger("chatty.library.Client").info("below its own level");
      context.getLogger("chatty.library.Client").warn("at its level");
    });
    assertThat(printed.status()).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    return printed.lines();
  }

  @Test
  void plainLinesByDefaultWithTheMdcAndTheLevels() {
    assertThat(lines(Map.of()))
        .containsExactly(
            "INFO  d.s.Thing run=run-1 - finished 42 rows",
            "WARN  c.library.Client run=run-1 - at its level");
  }

  @Test
  void jsonLinesWithTheMdcAsFieldsWhenAskedFor() throws Exception {
    List<String> lines = lines(Map.of(ConsoleLogging.FORMAT_VARIABLE, "JSON"));
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("INFO");
    assertThat(first.path("loggerName").asText()).isEqualTo("dev.storagebuilder.Thing");
    assertThat(first.path("formattedMessage").asText()).isEqualTo("finished 42 rows");
    assertThat(first.path("mdc").path("run").asText()).isEqualTo("run-1");
    assertThat(first.has("arguments")).as("only the formatted message").isFalse();
  }

  @Test
  void anUnknownFormatLogsPlainLinesAndSaysSo() {
    assertThat(lines(Map.of(ConsoleLogging.FORMAT_VARIABLE, "xml")))
        .containsExactly(
            "WARN  d.s.c.l.ConsoleLogging run= - STORAGE_BUILDER_LOG_FORMAT='xml' is not a log format (plain or json);"
                + " logging plain lines",
            "INFO  d.s.Thing run=run-1 - finished 42 rows",
            "WARN  c.library.Client run=run-1 - at its level");
  }

  @Test
  void anOperatorsConfigurationFileIsReadInstead() throws Exception {
    Path file = dir.resolve("operator.xml");
    Files.writeString(file, """
        <configuration>
          <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>from the operator's file: %level %msg%n</pattern></encoder>
          </appender>
          <root level="DEBUG"><appender-ref ref="out"/></root>
        </configuration>
        """);
    System.setProperty(ConsoleLogging.CONFIGURATION_FILE_PROPERTY, file.toString());
    List<String> lines;
    try {
      lines = lines(Map.of(ConsoleLogging.FORMAT_VARIABLE, "json"));
    } finally {
      System.clearProperty(ConsoleLogging.CONFIGURATION_FILE_PROPERTY);
    }
    assertThat(lines)
        .containsExactly(
            "from the operator's file: INFO finished 42 rows",
            "from the operator's file: DEBUG below the root level",
            "from the operator's file: INFO below its own level",
            "from the operator's file: WARN at its level");
  }
}
