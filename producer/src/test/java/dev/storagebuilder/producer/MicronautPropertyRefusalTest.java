package dev.storagebuilder.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.exceptions.BeanInstantiationException;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The messages of Micronaut's DependencyInjectionException (which needs a live bean context to
 * make) as text here; ProducerConfigRefusalIT starts the producer on real ones.
 */
class MicronautPropertyRefusalTest {
  private static final Function<String, Optional<String>> SUPPLIED =
      name -> Optional.ofNullable(Map.of("micronaut.executors.blocking.n-threads", "many").get(name));

  @Test
  void aSuppliedPropertyMicronautCouldNotReadIsNamedWithItsValue() {
    String failure = "Failed to inject value for field [nThreads]\n\nMessage: Error resolving property value"
        + " [micronaut.executors.blocking.n-threads]. Property doesn't exist\nPath Taken: ...";

    assertThat(MicronautPropertyRefusal.unreadableProperty(failure, SUPPLIED))
        .contains("micronaut.executors.blocking.n-threads (MICRONAUT_EXECUTORS_BLOCKING_N_THREADS) cannot be read,"
            + " got 'many'");
  }

  @Test
  void micronautsReasonIsKeptWhenItSaysMoreThanAbsent() {
    String failure = "Message: Error resolving property value [micronaut.executors.blocking.n-threads]."
        + " Unable to convert value [many] to target type [int]\nPath Taken: ...";

    assertThat(MicronautPropertyRefusal.unreadableProperty(failure, SUPPLIED))
        .contains("micronaut.executors.blocking.n-threads (MICRONAUT_EXECUTORS_BLOCKING_N_THREADS) cannot be read,"
            + " got 'many': Unable to convert value [many] to target type [int]");
  }

  /** A property a bean needs and nobody set is the application's mistake: its stack trace stays. */
  @Test
  void aPropertyNobodySuppliedIsNoRefusal() {
    String failure = "Message: Error resolving property value [micronaut.something.required]. Property doesn't exist";

    assertThat(MicronautPropertyRefusal.unreadableProperty(failure, SUPPLIED)).isEmpty();
  }

  @Test
  void anInjectionFailureAboutNoPropertyOrAnotherFailureIsNoRefusal() {
    assertThat(MicronautPropertyRefusal.unreadableProperty("Failed to inject value for parameter [router]", SUPPLIED))
        .isEmpty();
    assertThat(MicronautPropertyRefusal.message(new IllegalStateException("boom", new NullPointerException()), SUPPLIED))
        .isEmpty();
  }

  @Test
  void micronautsConfigurationExceptionIsARefusalWhereverItIsInTheChain() {
    Throwable failure = new BeanInstantiationException("could not be loaded",
        new ConfigurationException("Invalid value for\nmicronaut.x: must be positive"));

    assertThat(MicronautPropertyRefusal.message(failure, SUPPLIED)).contains("Invalid value for micronaut.x: must be positive");
  }
}
