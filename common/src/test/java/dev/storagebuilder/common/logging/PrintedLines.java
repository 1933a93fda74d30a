package dev.storagebuilder.common.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a logback configurator makes a fresh logger context print on standard out (where the fleet's
 * console appender writes), for tests. The context has an MDC of its own ({@code
 * context.getMDCAdapter()}), so nothing leaks into the test JVM's logging.
 */
public record PrintedLines(ExecutionStatus status, List<String> lines) {
  public static PrintedLines by(Configurator configurator, Consumer<LoggerContext> logging) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    ExecutionStatus status;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      configurator.setContext(context);
      status = configurator.configure(context);
      logging.accept(context);
    } finally {
      System.setOut(original);
      context.stop();
    }
    return new PrintedLines(status, captured.toString(StandardCharsets.UTF_8).lines().toList());
  }
}
