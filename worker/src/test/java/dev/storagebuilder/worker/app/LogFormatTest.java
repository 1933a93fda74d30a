package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.Configurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.storagebuilder.common.logging.ConsoleLogging;
import dev.storagebuilder.common.logging.PrintedLines;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The worker's logging as registered with logback ({@link WorkerLogging}): plain by default, JSON
 * lines with the MDC when asked for.
 */
class LogFormatTest {

  /** One line logged as at startup, by the configurator logback finds as a service, in {@code format}. */
  private static String logOneLine(String format) {
    Configurator configurator = ServiceLoader.load(Configurator.class).findFirst().orElseThrow();
    assertThat(configurator).isInstanceOf(WorkerLogging.class);
    String previous = System.getProperty(ConsoleLogging.FORMAT_VARIABLE);
    System.setProperty(ConsoleLogging.FORMAT_VARIABLE, format);
    try {
      PrintedLines printed = PrintedLines.by(configurator, context -> {
        context.getMDCAdapter().put("run", "run-1");
        context.getMDCAdapter().put("client", "acme");
        context.getMDCAdapter().put("target", "entities");
        context.getMDCAdapter().put("attempt", "2");
        context.getLogger("dev.storagebuilder.worker.pipeline.TargetProcessor").info("target finished: {} rows", 42);
      });
      assertThat(printed.lines()).hasSize(1);
      return printed.lines().get(0);
    } finally {
      if (previous == null) {
        System.clearProperty(ConsoleLogging.FORMAT_VARIABLE);
      } else {
        System.setProperty(ConsoleLogging.FORMAT_VARIABLE, previous);
      }
    }
  }

  @Test
  void plainByDefaultWithTheMdcInTheLine() {
    assertThat(logOneLine("plain"))
        .contains("run=run-1 client=acme target=entities attempt=2 - target finished: 42 rows");
  }

  @Test
  void jsonLinesWithTheMdcAsFieldsWhenAskedFor() throws Exception {
    String line = logOneLine("json");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("level").asText()).isEqualTo("INFO");
    assertThat(json.path("formattedMessage").asText()).isEqualTo("target finished: 42 rows");
    assertThat(json.path("mdc").path("run").asText()).isEqualTo("run-1");
    assertThat(json.path("mdc").path("client").asText()).isEqualTo("acme");
    assertThat(json.path("mdc").path("target").asText()).isEqualTo("entities");
    assertThat(json.path("mdc").path("attempt").asText()).isEqualTo("2");
  }
}
