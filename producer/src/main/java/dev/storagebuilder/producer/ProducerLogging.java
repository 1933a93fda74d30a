package dev.storagebuilder.producer;

import ch.qos.logback.classic.Level;
import dev.storagebuilder.common.logging.ConsoleLogging;
import java.util.Map;

/** The producer's log lines: the run, client and target of a request, when it has them. Registered as a service. */
public final class ProducerLogging extends ConsoleLogging {
  static final String PLAIN_PATTERN =
      "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} %X{run:-} %X{client:-} %X{target:-} - %msg%n";

  public ProducerLogging() {
    super(PLAIN_PATTERN, Map.of(
        "com.zaxxer.hikari", Level.WARN,
        "software.amazon.awssdk", Level.WARN));
  }
}
