package dev.storagebuilder.common.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.DefaultJoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Logback's configuration for a fleet process, in code: one console appender, plain lines or one
 * JSON object per line. A process registers its subclass as a {@code
 * ch.qos.logback.classic.spi.Configurator} service. Configuring from {@code logback.xml} took
 * 0.2-0.4 s of every start (the XML parser and Joran's model, run cold); this takes a few
 * milliseconds.
 *
 * <p>{@value #FORMAT_VARIABLE} picks the format, from a system property, else the environment:
 * {@code plain} (the default) or {@code json} (logback's {@code JsonEncoder}: timestamp, level,
 * logger, formatted message, the MDC as {@code mdc}, the throwable). An unknown value falls back to
 * plain and says so in the log, rather than leaving the process without logs. An operator's own
 * file still wins: with {@code -Dlogback.configurationFile} set, that file is read instead.
 */
public abstract class ConsoleLogging extends ContextAwareBase implements Configurator {
  public static final String FORMAT_VARIABLE = "STORAGE_BUILDER_LOG_FORMAT";
  static final String CONFIGURATION_FILE_PROPERTY = "logback.configurationFile";

  private final String plainPattern;
  private final Map<String, Level> levels;
  private final Function<String, Optional<String>> variables;

  /**
   * @param plainPattern the layout of a plain line
   * @param levels loggers quieter than the root's INFO (e.g. a chatty library at WARN)
   */
  protected ConsoleLogging(String plainPattern, Map<String, Level> levels) {
    this(plainPattern, levels, ConsoleLogging::systemOrEnvironment);
  }

  ConsoleLogging(String plainPattern, Map<String, Level> levels, Function<String, Optional<String>> variables) {
    this.plainPattern = plainPattern;
    this.levels = Map.copyOf(levels);
    this.variables = variables;
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(CONFIGURATION_FILE_PROPERTY) != null) {
      // Read the operator's file here rather than defer to the next configurator: Micronaut's
      // logging refresh runs only the first configurator it finds.
      DefaultJoranConfigurator file = new DefaultJoranConfigurator();
      file.setContext(context);
      return file.configure(context);
    }
    String format = variables.apply(FORMAT_VARIABLE).map(v -> v.strip().toLowerCase(Locale.ROOT)).orElse("plain");
    boolean unknown = !format.equals("plain") && !format.equals("json");
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName(unknown ? "plain" : format);
    appender.setEncoder(format.equals("json") ? json(context) : plain(context));
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);
    levels.forEach((name, level) -> context.getLogger(name).setLevel(level));
    if (unknown) {
      context.getLogger(ConsoleLogging.class).warn(
          "{}='{}' is not a log format (plain or json); logging plain lines",
          FORMAT_VARIABLE, variables.apply(FORMAT_VARIABLE).orElseThrow());
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private Encoder<ILoggingEvent> plain(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(plainPattern);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.start();
    return encoder;
  }

  private static Optional<String> systemOrEnvironment(String name) {
    String value = System.getProperty(name);
    return Optional.ofNullable(value != null ? value : System.getenv(name));
  }
}
