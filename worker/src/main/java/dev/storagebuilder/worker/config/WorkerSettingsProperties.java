package dev.storagebuilder.worker.config;

import dev.storagebuilder.aws.config.AwsSettingsProperties;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigProperties;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.LoopSettings;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import dev.storagebuilder.worker.resilience.BreakerSettings;
import dev.storagebuilder.worker.resilience.SourceResilienceSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place worker properties ({@code storage-builder.worker.*}, from Micronaut, system
 * properties or {@code STORAGE_BUILDER_WORKER_*} environment variables) become {@link WorkerSettings}.
 */
public final class WorkerSettingsProperties {
  public static final String PREFIX = "storage-builder.worker.";

  // What each kind of value looks like: a value that does not parse is refused with one of these, so
  // the message says what to write (a bare "300" for a duration said only "cannot parse").
  private static final String A_DURATION = "a duration such as 500ms, 30s, 5m, 1h or PT30S";
  private static final String A_SIZE = "a byte count or a size such as 512KiB, 8MiB, 1GiB";
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kib|kb|m|mib|mb|g|gib|gb|)");
  private static final String A_WHOLE_NUMBER = "a whole number";
  private static final String A_NUMBER = "a number";
  private static final String TRUE_OR_FALSE = "true or false";

  private WorkerSettingsProperties() {}

  public static WorkerSettings from(
      Function<String, Optional<String>> properties, Map<String, String> environment, long maxHeapBytes, String defaultWorkerId) {
    Function<String, Optional<String>> worker = name -> properties.apply(PREFIX + name).filter(v -> !v.isBlank());
    int concurrency = integer(worker, "concurrency", LoopSettings.DEFAULT_CONCURRENCY);
    Duration grace = duration(worker, "shutdown-grace", LoopSettings.DEFAULT_SHUTDOWN_GRACE);
    LoopSettings loop =
        new LoopSettings(
            concurrency,
            duration(worker, "receive-wait", LoopSettings.DEFAULT_RECEIVE_WAIT),
            grace,
            duration(worker, "shutdown-release-margin", LoopSettings.defaultReleaseMargin(grace)),
            integer(worker, "receive-ahead", concurrency));
    ProcessingSettings processing =
        new ProcessingSettings(
            integer(worker, "max-receive-count", ProcessingSettings.DEFAULT_MAX_RECEIVE_COUNT),
            duration(worker, "retry-base-delay", ProcessingSettings.DEFAULT_RETRY_BASE_DELAY),
            duration(worker, "retry-max-delay", ProcessingSettings.DEFAULT_RETRY_MAX_DELAY));
    SourceConfig source = SourceConfigProperties.from(properties, environment);
    SourceSlotSettings sourceSlots =
        new SourceSlotSettings(
            integer(worker, "source-concurrency-cap", SourceSlotSettings.NO_CAP),
            properties.apply(SourceConfigProperties.PREFIX + "id")
                .filter(v -> !v.isBlank())
                .orElseGet(() -> SourceSlotSettings.sourceIdOf(source.jdbcUrl())),
            duration(worker, "source-slot-wait", SourceSlotSettings.DEFAULT_WAIT));
    return new WorkerSettings(
        AwsSettingsProperties.from(properties),
        source,
        loop,
        processing,
        integer(worker, "pool-size", WorkerSettings.defaultPoolSize(concurrency, sourceSlots)),
        integer(worker, "fetch-size", WorkerSettings.DEFAULT_FETCH_SIZE),
        duration(worker, "visibility-timeout", WorkerSettings.DEFAULT_VISIBILITY_TIMEOUT),
        bytes(worker, "row-group-bytes", WorkerSettings.DEFAULT_ROW_GROUP_BYTES),
        bytes(worker, "part-bytes", WorkerSettings.DEFAULT_PART_BYTES),
        integer(worker, "parts-in-flight", WorkerSettings.DEFAULT_PARTS_IN_FLIGHT),
        worker.apply("id").orElse(defaultWorkerId),
        maxHeapBytes,
        new CompactionPolicy(
            integer(worker, "max-chain-length", CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH),
            worker.apply("max-delta-fraction")
                .map(v -> parse("max-delta-fraction", v, Double::parseDouble, A_NUMBER))
                .orElse(CompactionPolicy.DEFAULT_MAX_DELTA_FRACTION)),
        new ChangeReadSettings(
            worker.apply("overlap-versions")
                .map(v -> parse("overlap-versions", v, Long::parseLong, A_WHOLE_NUMBER))
                .orElse(ChangeReadSettings.DIALECT_DEFAULT_OVERLAP),
            duration(worker, "settle-timeout", ChangeReadSettings.DEFAULT_SETTLE_TIMEOUT)),
        sourceSlots,
        worker.apply("postgres-copy").map(v -> parse("postgres-copy", v, WorkerSettingsProperties::parseBoolean, TRUE_OR_FALSE)).orElse(true),
        duration(worker, "retired-object-grace", WorkerSettings.DEFAULT_RETIRED_OBJECT_GRACE));
  }

  /** Retry and circuit breaker around source reads ({@code storage-builder.worker.source-*}). */
  public static SourceResilienceSettings sourceResilience(Function<String, Optional<String>> properties) {
    Function<String, Optional<String>> worker = name -> properties.apply(PREFIX + name).filter(v -> !v.isBlank());
    return new SourceResilienceSettings(
        integer(worker, "source-retry-attempts", SourceResilienceSettings.DEFAULT_RETRY_ATTEMPTS),
        duration(worker, "source-retry-backoff", SourceResilienceSettings.DEFAULT_RETRY_INITIAL_BACKOFF),
        decimal(worker, "source-retry-multiplier", SourceResilienceSettings.DEFAULT_RETRY_MULTIPLIER),
        decimal(worker, "source-retry-jitter", SourceResilienceSettings.DEFAULT_RETRY_JITTER),
        integer(worker, "source-breaker-failure-rate", SourceResilienceSettings.DEFAULT_BREAKER_FAILURE_RATE),
        integer(worker, "source-breaker-window", SourceResilienceSettings.DEFAULT_BREAKER_WINDOW),
        integer(worker, "source-breaker-minimum-calls", SourceResilienceSettings.DEFAULT_BREAKER_MINIMUM_CALLS),
        duration(worker, "source-breaker-open-wait", SourceResilienceSettings.DEFAULT_BREAKER_OPEN_WAIT),
        duration(worker, "source-connection-timeout", SourceResilienceSettings.DEFAULT_CONNECTION_TIMEOUT),
        duration(worker, "source-read-timeout", SourceResilienceSettings.DEFAULT_READ_TIMEOUT));
  }

  /**
   * The circuit breaker of an AWS dependency ({@code storage-builder.worker.<dependency>-breaker-*}:
   * {@code failure-rate}, {@code window}, {@code minimum-calls}, {@code open-wait}).
   */
  public static BreakerSettings breaker(Function<String, Optional<String>> properties, String dependency) {
    Function<String, Optional<String>> worker = name -> properties.apply(PREFIX + name).filter(v -> !v.isBlank());
    String name = dependency + "-breaker-";
    return new BreakerSettings(
        dependency,
        integer(worker, name + "failure-rate", BreakerSettings.DEFAULT_FAILURE_RATE),
        integer(worker, name + "window", BreakerSettings.DEFAULT_WINDOW),
        integer(worker, name + "minimum-calls", BreakerSettings.DEFAULT_MINIMUM_CALLS),
        duration(worker, name + "open-wait", BreakerSettings.DEFAULT_OPEN_WAIT));
  }

  private static double decimal(Function<String, Optional<String>> worker, String name, double fallback) {
    return worker.apply(name).map(v -> parse(name, v, Double::parseDouble, A_NUMBER)).orElse(fallback);
  }

  private static int integer(Function<String, Optional<String>> worker, String name, int fallback) {
    return worker.apply(name).map(v -> parse(name, v, Integer::parseInt, A_WHOLE_NUMBER)).orElse(fallback);
  }

  private static long bytes(Function<String, Optional<String>> worker, String name, long fallback) {
    return worker.apply(name).map(v -> parse(name, v, WorkerSettingsProperties::parseBytes, A_SIZE)).orElse(fallback);
  }

  private static Duration duration(Function<String, Optional<String>> worker, String name, Duration fallback) {
    return worker.apply(name).map(v -> parse(name, v, WorkerSettingsProperties::parseDuration, A_DURATION)).orElse(fallback);
  }

  /** Accepts ISO-8601 ({@code PT30S}) or a number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
  static Duration parseDuration(String text) {
    String value = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (value.startsWith("pt") || value.startsWith("p")) {
      return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
    }
    if (value.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
    }
    long amount = Long.parseLong(value.substring(0, value.length() - 1));
    return switch (value.charAt(value.length() - 1)) {
      case 's' -> Duration.ofSeconds(amount);
      case 'm' -> Duration.ofMinutes(amount);
      case 'h' -> Duration.ofHours(amount);
      default -> throw new NumberFormatException("unknown unit");
    };
  }

  /**
   * Accepts a byte count ({@code 4096}, {@code 4096b}) or a whole number of KiB/MiB/GiB (or k/m/g,
   * as the JVM's -Xmx), case-insensitive.
   */
  static long parseBytes(String text) {
    Matcher size = SIZE.matcher(text.strip().toLowerCase(java.util.Locale.ROOT));
    if (!size.matches()) {
      throw new NumberFormatException("not a size");
    }
    String unit = size.group(2);
    if (unit.equals("kb") || unit.equals("mb") || unit.equals("gb")) {
      // The b used to be dropped, so 10MB was 10 MiB; who wrote it may have meant 10,000,000.
      throw new IllegalArgumentException(
          unit.toUpperCase(java.util.Locale.ROOT) + " is powers of 1000 to some and of 1024 to others: write KiB, MiB or GiB"
              + " (powers of 1024) or a byte count");
    }
    long multiplier =
        switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
          case 'k' -> 1L << 10;
          case 'm' -> 1L << 20;
          case 'g' -> 1L << 30;
          default -> 1;
        };
    // Exact: a count that overflows must not wrap around into a plausible size ((2^34 + 1) GiB was 1 GiB).
    return Math.multiplyExact(Long.parseLong(size.group(1)), multiplier);
  }

  private static boolean parseBoolean(String text) {
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new NumberFormatException("expected true or false");
    };
  }

  /** @param expected what a value of this kind looks like, for the message of one that does not parse */
  private static <T> T parse(String name, String value, Function<String, T> parser, String expected) {
    try {
      return parser.apply(value);
    } catch (RuntimeException e) {
      // A parser's own explanation (not the JDK's "For input string") says more than the example.
      String why = e.getClass() == IllegalArgumentException.class ? ": " + e.getMessage() : ", expected " + expected;
      throw new IllegalArgumentException(PREFIX + name + ": cannot parse '" + value + "'" + why, e);
    }
  }
}
