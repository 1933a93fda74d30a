package dev.storagebuilder.producer;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import io.micronaut.context.env.Environment;
import io.micronaut.runtime.Micronaut;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micronaut, except that a start refused for its configuration, ours or Micronaut's ({@link
 * MicronautPropertyRefusal}), ends in one log line naming the setting and exit code {@value
 * ConfigurationRefusal#EXIT_CODE}, not a bean-instantiation stack trace; any other failed start is
 * reported as Micronaut does.
 */
final class RefusalReportingMicronaut extends Micronaut {
  private static final Logger log = LoggerFactory.getLogger(RefusalReportingMicronaut.class);

  @Override
  protected void handleStartupException(Environment environment, Throwable exception) {
    Optional<String> refusal =
        ConfigurationRefusal.message(exception)
            .or(() -> environment == null
                ? Optional.empty()
                : MicronautPropertyRefusal.message(exception, name -> environment.getProperty(name, String.class)));
    if (refusal.isPresent() && (environment == null || !environment.getActiveNames().contains(Environment.TEST))) {
      log.error("producer refused its configuration: {}", refusal.get());
      System.exit(ConfigurationRefusal.EXIT_CODE);
    }
    super.handleStartupException(environment, exception);
  }
}
