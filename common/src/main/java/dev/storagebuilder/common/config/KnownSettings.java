package dev.storagebuilder.common.config;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every {@code storage-builder.*} setting the producer and the worker read, and the check that no
 * other name with that prefix is set. A misspelt key ({@code
 * STORAGE_BUILDER_WORKER_CONCURENCY}) was silently ignored: the worker ran on the default while
 * its operator believed the setting applied. Both processes accept the other's settings, since one
 * shell or one Terraform map often carries both; the process that reads a setting checks its value.
 * Worker and producer tests check that every name their settings read is listed here.
 */
public final class KnownSettings {
  public static final String PREFIX = "storage-builder.";

  private static final List<String> BREAKER = List.of("failure-rate", "window", "minimum-calls", "open-wait");

  /** Full property names, {@code storage-builder.worker.concurrency}. */
  public static final Set<String> ALL =
      Set.copyOf(
          Stream.of(
                  names("aws.", "region", "sqs-endpoint", "s3-endpoint", "dynamodb-endpoint", "access-key",
                      "secret-key", "bucket", "snapshot-prefix", "queue", "dlq", "versions-table", "runs-table"),
                  // pool-size and connection-timeout are the producer's; id names the worker's source slots
                  names("source.", "config-file", "config-json", "jdbc-url", "username", "password", "id",
                      "pool-size", "connection-timeout"),
                  names("worker.", "concurrency", "receive-wait", "receive-ahead", "shutdown-grace",
                      "shutdown-release-margin", "max-receive-count", "retry-base-delay", "retry-max-delay",
                      "pool-size", "fetch-size", "visibility-timeout", "row-group-bytes", "part-bytes",
                      "parts-in-flight", "id", "max-chain-length", "max-delta-fraction", "overlap-versions",
                      "settle-timeout", "postgres-copy", "source-concurrency-cap", "source-slot-wait",
                      "source-retry-attempts", "source-retry-backoff", "source-retry-multiplier",
                      "source-retry-jitter", "source-breaker-failure-rate", "source-breaker-window",
                      "source-breaker-minimum-calls", "source-breaker-open-wait", "source-connection-timeout",
                      "source-read-timeout", "retired-object-grace"),
                  BREAKER.stream().map(name -> PREFIX + "worker.s3-breaker-" + name).toList(),
                  BREAKER.stream().map(name -> PREFIX + "worker.dynamodb-breaker-" + name).toList(),
                  names("enqueue.", "concurrency", "fair-queue-group-ids", "max-scope-targets"),
                  names("dlq.", "scan-limit", "scan-wait"))
              .flatMap(List::stream)
              .toList());

  /**
   * The other names of ours, outside the settings table: the producer's tokens, the log format, the
   * CloudWatch switch and namespace (application.yml), the CLI's URL and token, a fleet child's
   * parent pid and the producer's port file (the local fleet's; the producer checks it). Not checked
   * here, but no mistake either.
   */
  static final Set<String> OTHER_NAMES =
      Set.copyOf(
          Stream.of("api-tokens", "readonly-tokens", "log-format", "cloudwatch-metrics", "metrics-namespace", "url",
                  "token", "parent-pid", "port-file")
              .map(name -> PREFIX + name)
              .toList());

  private static final Set<String> ACCEPTED =
      Set.copyOf(Stream.concat(ALL.stream(), OTHER_NAMES.stream()).toList());

  private static final Set<String> ACCEPTED_VARIABLES =
      Set.copyOf(ACCEPTED.stream().map(KnownSettings::environmentVariable).toList());

  private KnownSettings() {}

  private static List<String> names(String namespace, String... names) {
    return Stream.of(names).map(name -> PREFIX + namespace + name).toList();
  }

  /** The property both applications' application.yml fill from {@code STORAGE_BUILDER_CLOUDWATCH_METRICS}. */
  public static final String CLOUDWATCH_ENABLED = "micronaut.metrics.export.cloudwatch.enabled";

  /**
   * The CloudWatch switch as Micronaut resolved it must be true or false: Micronaut reads "1" or
   * "ture" as false, so the metrics stayed off while the operator had turned them on.
   */
  public static void requireCloudWatchSwitch(Optional<String> value) {
    String text = value.map(String::strip).orElse("false");
    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
      throw new SettingRefusedException(
          "STORAGE_BUILDER_CLOUDWATCH_METRICS (" + CLOUDWATCH_ENABLED + ") must be true or false, got '" + text + "'");
    }
  }

  /** Whether a name, as a property or an environment variable, is one of ours {@link #refuseUnknown} lets pass. */
  public static boolean accepts(String name) {
    return ACCEPTED.contains(name) || ACCEPTED_VARIABLES.contains(name);
  }

  /**
   * The environment variable Micronaut maps onto a property: {@code storage-builder.worker.fetch-size}
   * is {@code STORAGE_BUILDER_WORKER_FETCH_SIZE}.
   */
  public static String environmentVariable(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Both spellings, for messages: {@code storage-builder.worker.id (STORAGE_BUILDER_WORKER_ID)}. */
  public static String describe(String property) {
    return property + " (" + environmentVariable(property) + ")";
  }

  /**
   * Refuses the keys of ours that are no setting and no other name of ours, as supplied: environment
   * variables ({@code STORAGE_BUILDER_...}) and properties ({@code storage-builder....}, from {@code
   * -D} or a configuration file); any other key is someone else's.
   *
   * @param exempt keys that are not settings although they look like one (an environment variable
   *     a source declaration names as its {@code passwordEnv})
   * @throws SettingRefusedException naming every unknown key and, when one is close, the setting
   *     it probably meant
   */
  public static void refuseUnknown(Iterable<String> suppliedKeys, Set<String> exempt) {
    Set<String> unknown = new TreeSet<>();
    for (String key : suppliedKeys) {
      if (exempt.contains(key)) {
        continue;
      }
      propertyOf(key).filter(name -> !accepts(name))
          .ifPresent(name -> unknown.add(describeUnknown(key, name)));
    }
    if (!unknown.isEmpty()) {
      throw new SettingRefusedException(
          (unknown.size() == 1 ? "unknown setting " : "unknown settings: ") + String.join("; ", unknown)
              + " (a misspelt name would be ignored; the settings are listed in the README)");
    }
  }

  /**
   * The name a key spells: an environment variable as it is, a property in kebab case; empty when
   * the key is not one of ours.
   */
  static Optional<String> propertyOf(String key) {
    if (key.startsWith("STORAGE_BUILDER_")) {
      return Optional.of(key);
    }
    if (key.startsWith(PREFIX)) {
      return Optional.of(kebab(key));
    }
    return Optional.empty();
  }

  private static String describeUnknown(String key, String name) {
    boolean variable = key.startsWith("STORAGE_BUILDER_");
    return key
        + nearest(name, variable)
            .map(known -> ", did you mean " + (variable ? environmentVariable(known) : known) + "?")
            .orElse("");
  }

  /** The known setting within a few typing mistakes of this name, if any. */
  private static Optional<String> nearest(String name, boolean variable) {
    return ACCEPTED.stream()
        .map(known -> new Candidate(known, distance(name, variable ? environmentVariable(known) : known)))
        .filter(candidate -> candidate.distance() <= Math.max(2, name.length() / 10))
        .min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
        .map(Candidate::name);
  }

  private record Candidate(String name, int distance) {}

  /** {@code storage-builder.worker.maxReceiveCount} as Micronaut reads it: max-receive-count. */
  private static String kebab(String key) {
    StringBuilder out = new StringBuilder(key.length() + 4);
    for (char c : key.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
