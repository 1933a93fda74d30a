package dev.storagebuilder.worker.app;

import ch.qos.logback.classic.Level;
import dev.storagebuilder.common.logging.ConsoleLogging;
import java.util.Map;

/** The worker's log lines: the MDC keys of the target in hand, labelled. Registered as a service. */
public final class WorkerLogging extends ConsoleLogging {
  static final String PLAIN_PATTERN =
      "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} run=%X{run:-} client=%X{client:-} target=%X{target:-}"
          + " attempt=%X{attempt:-} - %msg%n";

  public WorkerLogging() {
    super(PLAIN_PATTERN, Map.of(
        "io.micronaut", Level.WARN,
        "com.zaxxer.hikari", Level.WARN,
        "org.apache.parquet", Level.WARN));
  }
}
