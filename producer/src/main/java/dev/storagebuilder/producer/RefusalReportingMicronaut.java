package dev.storagebuilder.producer;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.config.ForeignPropertyRefusal;
import dev.storagebuilder.common.config.ForeignPropertyRefusal.Kind;
import io.micrometer.core.instrument.config.validate.ValidationException;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.exceptions.DependencyInjectionException;
import io.micronaut.runtime.Micronaut;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micronaut, except that a start refused for its configuration, ours ({@link ConfigurationRefusal})
 * or Micronaut's ({@link ForeignPropertyRefusal}), ends in one log line naming the setting and exit
 * code {@value ConfigurationRefusal#EXIT_CODE}, not a bean-instantiation stack trace; any other
 * failed start is reported as Micronaut does. Only the Micronaut glue: the producer's and the
 * worker's are the same but for their name, as no module both share has Micronaut.
 */
final class RefusalReportingMicronaut extends Micronaut {
  private static final Logger log = LoggerFactory.getLogger(RefusalReportingMicronaut.class);

  @Override
  protected void handleStartupException(Environment environment, Throwable exception) {
    Optional<String> refusal =
        ConfigurationRefusal.message(exception)
            .or(() -> environment == null
                ? Optional.empty()
                : ForeignPropertyRefusal.message(
                    exception, RefusalReportingMicronaut::kind, name -> environment.getProperty(name, String.class)));
    if (refusal.isPresent() && (environment == null || !environment.getActiveNames().contains(Environment.TEST))) {
      log.error("producer refused its configuration: {}", refusal.get());
      System.exit(ConfigurationRefusal.EXIT_CODE);
    }
    super.handleStartupException(environment, exception);
  }

  private static Kind kind(Throwable failure) {
    return switch (failure) {
      case ConfigurationException e -> Kind.CONFIGURATION;
      case ValidationException e -> Kind.METRICS_PROPERTY;
      case DependencyInjectionException e -> Kind.INJECTION;
      default -> Kind.OTHER;
    };
  }
}
