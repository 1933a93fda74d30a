package dev.storagebuilder.producer.config;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.config.AwsSettingsProperties;
import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.config.KnownSettings;
import dev.storagebuilder.common.config.SettingRefusedException;
import dev.storagebuilder.common.target.SourceConfigProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The one place properties become settings. Micronaut supplies each property from {@code
 * application.yml}, system properties or the environment ({@code
 * STORAGE_BUILDER_ENQUEUE_CONCURRENCY} is {@code storage-builder.enqueue.concurrency}); this maps
 * them onto {@link ProducerSettings}, eagerly, so a bad value stops the process at startup with the
 * property's name.
 */
@Factory
public class ProducerSettingsFactory {
  public static final String SOURCE_CONFIG_FILE = SourceConfigProperties.CONFIG_FILE;
  public static final String SOURCE_CONFIG_JSON = SourceConfigProperties.CONFIG_JSON;
  public static final String SOURCE_JDBC_URL = SourceConfigProperties.JDBC_URL;
  public static final String SOURCE_USERNAME = SourceConfigProperties.USERNAME;
  public static final String SOURCE_PASSWORD = SourceConfigProperties.PASSWORD;
  public static final String SOURCE_POOL_SIZE = "storage-builder.source.pool-size";
  public static final String SOURCE_CONNECTION_TIMEOUT =
      "storage-builder.source.connection-timeout";
  public static final String ENQUEUE_CONCURRENCY = "storage-builder.enqueue.concurrency";
  public static final String FAIR_QUEUE_GROUP_IDS = "storage-builder.enqueue.fair-queue-group-ids";
  public static final String MAX_SCOPE_TARGETS = "storage-builder.enqueue.max-scope-targets";
  public static final String DLQ_SCAN_LIMIT = "storage-builder.dlq.scan-limit";
  public static final String DLQ_SCAN_WAIT = "storage-builder.dlq.scan-wait";

  /** Micronaut's, checked here: see {@link #requireServerPort}. */
  static final String SERVER_PORT = "micronaut.server.port";

  /** {@code STORAGE_BUILDER_API_TOKENS}: comma-separated read-write bearer tokens. */
  public static final String API_TOKENS = "storage-builder.api-tokens";

  /** {@code STORAGE_BUILDER_READONLY_TOKENS}: comma-separated read-only bearer tokens. */
  public static final String READONLY_TOKENS = "storage-builder.readonly-tokens";

  @Context
  ProducerSettings producerSettings(Environment environment) {
    Function<String, Optional<String>> properties = name -> environment.getProperty(name, String.class);
    List<String> suppliedKeys = new ArrayList<>();
    for (PropertySource source : environment.getPropertySources()) {
      source.forEach(suppliedKeys::add);
    }
    KnownSettings.refuseUnknown(
        suppliedKeys, SourceConfigProperties.passwordVariable(properties).map(Set::of).orElse(Set.of()));
    KnownSettings.requireCloudWatchSwitch(environment.getProperty(KnownSettings.CLOUDWATCH_ENABLED, String.class));
    requireServerPort(environment.getProperty(SERVER_PORT, String.class));
    return ConfigurationRefusal.readingSettings(() -> fromProperties(properties));
  }

  @Context
  ApiAccessSettings apiAccessSettings(Environment environment) {
    return ConfigurationRefusal.readingSettings(
        () -> apiAccessFromProperties(name -> environment.getProperty(name, String.class)));
  }

  /**
   * The HTTP port must be one before the server binds it: Micronaut reported a value that is no
   * number with a 60-line injection stack trace, and one out of range with a bind failure's stack
   * trace and a line that did not name the property.
   */
  static void requireServerPort(Optional<String> value) {
    if (value.isEmpty()) {
      return;
    }
    String text = value.get().strip();
    try {
      int port = Integer.parseInt(text);
      if (port >= -1 && port <= 65_535) {
        return;
      }
    } catch (NumberFormatException e) {
      // refused below, with the value as written
    }
    throw new SettingRefusedException(
        SERVER_PORT + " (MICRONAUT_SERVER_PORT) must be 0..65535 (or -1, any free port), got '" + value.get() + "'");
  }

  /** Maps the token properties; entries are trimmed, empty ones ignored. */
  public static ApiAccessSettings apiAccessFromProperties(
      Function<String, Optional<String>> properties) {
    return new ApiAccessSettings(
        tokenList(properties.apply(API_TOKENS)), tokenList(properties.apply(READONLY_TOKENS)));
  }

  private static List<String> tokenList(Optional<String> raw) {
    return raw.stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(t -> !t.isEmpty())
        .toList();
  }

  /**
   * The environment variables a source config file may name for its password ({@code passwordEnv}):
   * the only read of the process environment outside Micronaut's property mapping.
   */
  @Context
  SourceEnvironment sourceEnvironment() {
    return new SourceEnvironment(System.getenv());
  }

  /** Maps flat properties onto settings; blank values count as unset. */
  public static ProducerSettings fromProperties(Function<String, Optional<String>> properties) {
    Function<String, Optional<String>> get =
        name -> properties.apply(name).map(String::trim).filter(v -> !v.isEmpty());
    AwsSettings aws;
    try {
      aws = AwsSettingsProperties.from(get);
    } catch (IllegalArgumentException e) {
      // AwsSettings names the setting without its prefix (aws.queue); say which property that is.
      throw new IllegalArgumentException(
          e.getMessage() + " (properties " + AwsSettingsProperties.PREFIX + "*)", e);
    }
    return new ProducerSettings(
        aws,
        SourceConfigProperties.location(get),
        integer(get, ENQUEUE_CONCURRENCY, ProducerSettings.DEFAULT_ENQUEUE_CONCURRENCY),
        bool(get, FAIR_QUEUE_GROUP_IDS, ProducerSettings.DEFAULT_FAIR_QUEUE_GROUP_IDS),
        integer(get, MAX_SCOPE_TARGETS, ProducerSettings.DEFAULT_MAX_SCOPE_TARGETS),
        integer(get, SOURCE_POOL_SIZE, ProducerSettings.DEFAULT_SOURCE_POOL_SIZE),
        duration(
            get, SOURCE_CONNECTION_TIMEOUT, ProducerSettings.DEFAULT_SOURCE_CONNECTION_TIMEOUT),
        integer(get, DLQ_SCAN_LIMIT, ProducerSettings.DEFAULT_DLQ_SCAN_LIMIT),
        duration(get, DLQ_SCAN_WAIT, ProducerSettings.DEFAULT_DLQ_SCAN_WAIT));
  }

  private static int integer(Function<String, Optional<String>> get, String name, int fallback) {
    Optional<String> value = get.apply(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + " must be a whole number, got '" + value.get() + "'");
    }
  }

  private static boolean bool(
      Function<String, Optional<String>> get, String name, boolean fallback) {
    Optional<String> value = get.apply(name).map(v -> v.toLowerCase(Locale.ROOT));
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get()) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              name + " must be true or false, got '" + value.get() + "'");
    };
  }

  private static Duration duration(
      Function<String, Optional<String>> get, String name, Duration fallback) {
    return get.apply(name).map(v -> DurationText.parse(name, v)).orElse(fallback);
  }

  /** The process environment, for a source config's {@code passwordEnv}. */
  public record SourceEnvironment(Map<String, String> variables) {
    public SourceEnvironment {
      variables = Map.copyOf(variables);
    }

    @Override
    public String toString() {
      return "SourceEnvironment[" + variables.size() + " variables]";
    }
  }
}
