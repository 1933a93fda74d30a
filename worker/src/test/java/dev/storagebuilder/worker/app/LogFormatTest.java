package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The worker's logging as registered with logback ({@link WorkerLogging}): plain by default, JSON
 * lines with the MDC when asked for.
 */
class LogFormatTest {

  private static String logOneLine(String format) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      configure(context, format);
      MDC.put("run", "run-1");
      MDC.put("client", "acme");
      MDC.put("target", "entities");
      MDC.put("attempt", "2");
      context
          .getLogger("dev.storagebuilder.worker.pipeline.TargetProcessor")
          .info("target finished: {} rows", 42);
    } finally {
      MDC.clear();
      System.setOut(original);
      configure(context, "plain");
    }
    return captured.toString(StandardCharsets.UTF_8).strip();
  }

  /** As at startup, by the configurator logback finds as a service, with STORAGE_BUILDER_LOG_FORMAT set. */
  private static void configure(LoggerContext context, String format) {
    context.reset();
    String previous = System.getProperty("STORAGE_BUILDER_LOG_FORMAT");
    System.setProperty("STORAGE_BUILDER_LOG_FORMAT", format);
    try {
      Configurator configurator = ServiceLoader.load(Configurator.class).findFirst().orElseThrow();
      assertThat(configurator).isInstanceOf(WorkerLogging.class);
      configurator.setContext(context);
      configurator.configure(context);
    } finally {
      if (previous == null) {
        System.clearProperty("STORAGE_BUILDER_LOG_FORMAT");
      } else {
        System.setProperty("STORAGE_BUILDER_LOG_FORMAT", previous);
      }
    }
  }

  @Test
  void plainByDefaultWithTheMdcInTheLine() throws Exception {
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
