package dev.storagebuilder.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.config.ForeignPropertyRefusal.Kind;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Micronaut's and Micrometer's exceptions (common cannot see them, and a DependencyInjectionException
 * needs a live bean context to make) stood in for here; ProducerConfigRefusalIT and
 * WorkerConfigRefusalIT start the applications on real ones.
 */
class ForeignPropertyRefusalTest {
  private static final Function<String, Optional<String>> SUPPLIED =
      name -> Optional.ofNullable(Map.of("micronaut.executors.blocking.n-threads", "many").get(name));

  @Test
  void aSuppliedPropertyMicronautCouldNotReadIsNamedWithItsValue() {
    String failure = "Failed to inject value for field [nThreads]\n\nMessage: Error resolving property value"
        + " [micronaut.executors.blocking.n-threads]. Property doesn't exist\nPath Taken: ...";

    assertThat(ForeignPropertyRefusal.unreadableProperty(failure, SUPPLIED))
        .contains("micronaut.executors.blocking.n-threads (MICRONAUT_EXECUTORS_BLOCKING_N_THREADS) cannot be read,"
            + " got 'many'");
  }

  @Test
  void micronautsReasonIsKeptWhenItSaysMoreThanAbsent() {
    String failure = "Message: Error resolving property value [micronaut.executors.blocking.n-threads]."
        + " Unable to convert value [many] to target type [int]\nPath Taken: ...";

    assertThat(ForeignPropertyRefusal.unreadableProperty(failure, SUPPLIED))
        .contains("micronaut.executors.blocking.n-threads (MICRONAUT_EXECUTORS_BLOCKING_N_THREADS) cannot be read,"
            + " got 'many': Unable to convert value [many] to target type [int]");
  }

  /** A property a bean needs and nobody set is the application's mistake: its stack trace stays. */
  @Test
  void aPropertyNobodySuppliedIsNoRefusal() {
    String failure = "Message: Error resolving property value [micronaut.something.required]. Property doesn't exist";

    assertThat(ForeignPropertyRefusal.unreadableProperty(failure, SUPPLIED)).isEmpty();
  }

  @Test
  void anInjectionFailureAboutNoPropertyOrAnotherFailureIsNoRefusal() {
    assertThat(ForeignPropertyRefusal.unreadableProperty("Failed to inject value for parameter [router]", SUPPLIED))
        .isEmpty();
    assertThat(ForeignPropertyRefusal.message(
            new IllegalStateException("boom", new NullPointerException()), ForeignPropertyRefusalTest::kind, SUPPLIED))
        .isEmpty();
  }

  @Test
  void micronautsConfigurationExceptionIsARefusalWhereverItIsInTheChain() {
    Throwable failure = new IllegalStateException("could not be loaded",
        new ConfigurationException("Invalid value for\nmicronaut.x: must be positive"));

    assertThat(ForeignPropertyRefusal.message(failure, ForeignPropertyRefusalTest::kind, SUPPLIED))
        .contains("Invalid value for micronaut.x: must be positive");
  }

  @Test
  void aMetricsPropertyMicrometerRefusedIsNamedAsOneOfTheExportProperties() {
    Throwable failure = new IllegalStateException("could not be loaded",
        new MetricsValidation("prometheus.step was 'often' but it must be a valid duration value"));

    assertThat(ForeignPropertyRefusal.message(failure, ForeignPropertyRefusalTest::kind, SUPPLIED))
        .contains("prometheus.step was 'often' but it must be a valid duration value (properties micronaut.metrics.export.*)");
  }

  @Test
  void anInjectionFailureNamingASuppliedPropertyIsARefusalOneNamingNoneIsNot() {
    Throwable unreadable = new IllegalStateException("could not be loaded", new Injection(
        "Message: Error resolving property value [micronaut.executors.blocking.n-threads]. Property doesn't exist"));
    Throwable other = new IllegalStateException("could not be loaded", new Injection("Failed to inject value for parameter [router]"));

    assertThat(ForeignPropertyRefusal.message(unreadable, ForeignPropertyRefusalTest::kind, SUPPLIED))
        .contains("micronaut.executors.blocking.n-threads (MICRONAUT_EXECUTORS_BLOCKING_N_THREADS) cannot be read, got 'many'");
    assertThat(ForeignPropertyRefusal.message(other, ForeignPropertyRefusalTest::kind, SUPPLIED)).isEmpty();
  }

  /** Stand-ins for Micronaut's ConfigurationException, Micrometer's ValidationException, Micronaut's DependencyInjectionException. */
  private static final class ConfigurationException extends RuntimeException {
    ConfigurationException(String message) {
      super(message);
    }
  }

  private static final class MetricsValidation extends RuntimeException {
    MetricsValidation(String message) {
      super(message);
    }
  }

  private static final class Injection extends RuntimeException {
    Injection(String message) {
      super(message);
    }
  }

  private static Kind kind(Throwable failure) {
    return switch (failure) {
      case ConfigurationException e -> Kind.CONFIGURATION;
      case MetricsValidation e -> Kind.METRICS_PROPERTY;
      case Injection e -> Kind.INJECTION;
      default -> Kind.OTHER;
    };
  }
}
