package dev.storagebuilder.common.config;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The refusal behind a start that failed on a property of Micronaut's or Micrometer's rather than of
 * ours ({@code MICRONAUT_SERVER_IDLE_TIMEOUT=soon}): one line naming the property, where Micronaut
 * printed a 60-line bean-injection stack trace. Only failures that are about configuration by their
 * type, or a property the operator supplied that Micronaut could not read, count; anything else (a
 * bug, a port another process holds) is no refusal and keeps its stack trace.
 *
 * <p>Both applications share this; common has no Micronaut on its classpath, so each application's
 * {@code RefusalReportingMicronaut} says which {@link Kind} a failure in the chain is by its type.
 */
public final class ForeignPropertyRefusal {
  /** What a failure in a start's cause chain is, as far as a refusal goes. */
  public enum Kind {
    /** Micronaut's {@code ConfigurationException}: its message is the refusal. */
    CONFIGURATION,
    /** Micrometer's {@code ValidationException}, a metrics export property it refused. */
    METRICS_PROPERTY,
    /** Micronaut's {@code DependencyInjectionException}: a refusal if it names a supplied property. */
    INJECTION,
    OTHER
  }

  /**
   * How Micronaut's {@code DependencyInjectionException.missingProperty} names the property, the
   * exception's only record of it (it keeps neither the name nor the conversion error as a cause).
   * Should Micronaut word it otherwise, the failure is reported with its stack trace, as before.
   */
  private static final Pattern UNREADABLE_PROPERTY =
      Pattern.compile("Error resolving property value \\[([^\\]\\s]+)\\]\\.[ \\t]*([^\\r\\n]*)");

  /** What Micronaut adds when a value it could not convert made it treat the property as absent. */
  private static final String ABSENT = "Property doesn't exist";

  private ForeignPropertyRefusal() {}

  /**
   * @param kind what each failure in the chain is, by its type
   * @param supplied a property's value as the operator supplied it (environment, system property,
   *     configuration file); empty when it was not
   */
  public static Optional<String> message(
      Throwable failure, Function<Throwable, Kind> kind, Function<String, Optional<String>> supplied) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
      if (cause.getMessage() == null) {
        continue;
      }
      Optional<String> refusal =
          switch (kind.apply(cause)) {
            case CONFIGURATION -> Optional.of(oneLine(cause.getMessage()));
            // Micrometer names the property without the prefix Micronaut gives it (prometheus.step)
            case METRICS_PROPERTY -> Optional.of(oneLine(cause.getMessage()) + " (properties micronaut.metrics.export.*)");
            case INJECTION -> unreadableProperty(cause.getMessage(), supplied);
            case OTHER -> Optional.empty();
          };
      if (refusal.isPresent()) {
        return refusal;
      }
    }
    return Optional.empty();
  }

  /** The refusal for the property a DependencyInjectionException's message names, if supplied. */
  static Optional<String> unreadableProperty(String message, Function<String, Optional<String>> supplied) {
    Matcher matcher = UNREADABLE_PROPERTY.matcher(message);
    if (!matcher.find()) {
      return Optional.empty();
    }
    String property = matcher.group(1);
    // A property nobody supplied that a bean requires is our mistake, not the operator's.
    return supplied.apply(property).map(value -> {
      String reason = matcher.group(2).strip();
      return KnownSettings.describe(property) + " cannot be read, got '" + value + "'"
          + (reason.isEmpty() || reason.equals(ABSENT) ? "" : ": " + reason);
    });
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
