package dev.storagebuilder.worker.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * The circuit breaker of one AWS dependency ({@code s3}, {@code dynamodb}), as data. A call counts
 * once, after the SDK's own retries; only failures that say the service is unwell count against it.
 *
 * @param dependency the breaker's name, also in metrics ({@code name="s3"}) and setting names
 * @param failureRate percentage of failed calls in the window that opens the breaker
 * @param window calls the failure rate is computed over
 * @param minimumCalls calls needed before the rate counts
 * @param openWait how long the breaker stays open before a probe call is allowed
 */
public record BreakerSettings(String dependency, int failureRate, int window, int minimumCalls, Duration openWait) {
  public static final int DEFAULT_FAILURE_RATE = 50;
  public static final int DEFAULT_WINDOW = 10;
  /**
   * Resilience4j's count-based window allocates a measurement per call up front, outside the memory
   * budget; and over more calls than this the failure rate hardly moves.
   */
  public static final int MAX_WINDOW = 1_000;
  public static final int DEFAULT_MINIMUM_CALLS = 4;
  public static final Duration DEFAULT_OPEN_WAIT = Duration.ofSeconds(15);

  public BreakerSettings {
    Objects.requireNonNull(dependency, "dependency");
    Objects.requireNonNull(openWait, "openWait");
    String name = "worker." + dependency + "-breaker-";
    if (failureRate < 1 || failureRate > 100) {
      throw new IllegalArgumentException(name + "failure-rate must be 1..100, got " + failureRate);
    }
    if (window < 1 || window > MAX_WINDOW) {
      throw new IllegalArgumentException(name + "window must be 1.." + MAX_WINDOW + ", got " + window);
    }
    if (window < 1 || minimumCalls < 1 || minimumCalls > window) {
      throw new IllegalArgumentException(
          name + "minimum-calls must be 1.." + name + "window, got " + minimumCalls + " / " + window);
    }
    if (openWait.toMillis() < 100 || openWait.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(name + "open-wait must be 100ms..10m, got " + openWait);
    }
  }

  public static BreakerSettings defaults(String dependency) {
    return new BreakerSettings(
        dependency, DEFAULT_FAILURE_RATE, DEFAULT_WINDOW, DEFAULT_MINIMUM_CALLS, DEFAULT_OPEN_WAIT);
  }
}
