package dev.storagebuilder.worker.resilience;

import java.time.Duration;

/**
 * Retry and circuit breaker around source reads, as data.
 *
 * @param retryAttempts attempts per read, the first included (1 = no retry)
 * @param retryInitialBackoff wait before the second attempt; grows by {@code retryMultiplier}
 * @param retryMultiplier growth of the backoff per attempt
 * @param retryJitter randomization factor of each backoff (0..1): 0.5 waits 50 %..150 %
 * @param breakerFailureRate percentage of failed reads in the window that opens the breaker
 * @param breakerWindow reads the failure rate is computed over
 * @param breakerMinimumCalls reads needed before the rate counts
 * @param breakerOpenWait how long the breaker stays open before a probe read is allowed
 * @param connectionTimeout how long a read waits for a pooled connection before failing (a dead
 *     database must fail fast enough for the breaker to see it)
 * @param readTimeout the longest the source may stay silent while a read waits for its answer (the
 *     driver's socket timeout): a source that stopped answering mid-read (a network partition, a
 *     frozen host) fails the read instead of holding it until the lease runs out
 */
public record SourceResilienceSettings(
    int retryAttempts,
    Duration retryInitialBackoff,
    double retryMultiplier,
    double retryJitter,
    int breakerFailureRate,
    int breakerWindow,
    int breakerMinimumCalls,
    Duration breakerOpenWait,
    Duration connectionTimeout,
    Duration readTimeout) {
  public static final int DEFAULT_RETRY_ATTEMPTS = 3;
  public static final Duration DEFAULT_RETRY_INITIAL_BACKOFF = Duration.ofMillis(500);
  public static final double DEFAULT_RETRY_MULTIPLIER = 2.0;
  public static final double DEFAULT_RETRY_JITTER = 0.5;
  public static final int DEFAULT_BREAKER_FAILURE_RATE = 50;
  public static final int DEFAULT_BREAKER_WINDOW = 10;
  public static final int DEFAULT_BREAKER_MINIMUM_CALLS = 4;
  public static final Duration DEFAULT_BREAKER_OPEN_WAIT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(15);
  /**
   * The longest the retries of one read may wait in all, jitter at its worst. While they wait, the
   * target holds its thread, its memory reservation and a fleet-wide source slot; an outage longer
   * than this is for the breaker (which pauses the worker) and SQS redelivery to ride out.
   */
  public static final Duration MAX_TOTAL_RETRY_WAIT = Duration.ofMinutes(10);

  public SourceResilienceSettings {
    if (retryAttempts < 1 || retryAttempts > 10) {
      throw new IllegalArgumentException("worker.source-retry-attempts must be 1..10, got " + retryAttempts);
    }
    if (retryInitialBackoff.isNegative() || retryInitialBackoff.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("worker.source-retry-backoff must be 0..1m, got " + retryInitialBackoff);
    }
    // Negated ranges: NaN fails every comparison, so "< 1 || > 10" let it through (and every
    // backoff computed from it rounded to 0 ms).
    if (!(retryMultiplier >= 1 && retryMultiplier <= 10)) {
      throw new IllegalArgumentException("worker.source-retry-multiplier must be 1..10, got " + retryMultiplier);
    }
    if (!(retryJitter >= 0 && retryJitter < 1)) {
      throw new IllegalArgumentException("worker.source-retry-jitter must be 0..<1, got " + retryJitter);
    }
    // Each bound alone allows waits of years (10 attempts, 1m, x10: the last wait 10^8 minutes).
    double totalWaitMillis = worstCaseRetryWaitMillis(retryAttempts, retryInitialBackoff, retryMultiplier, retryJitter);
    if (totalWaitMillis > MAX_TOTAL_RETRY_WAIT.toMillis()) {
      throw new IllegalArgumentException(
          "worker.source-retry-attempts (" + retryAttempts + "), -backoff (" + retryInitialBackoff + "), -multiplier ("
              + retryMultiplier + ") and -jitter (" + retryJitter + ") let one read wait up to "
              + Math.round(totalWaitMillis / 1000) + " s in retries; at most " + MAX_TOTAL_RETRY_WAIT.toSeconds()
              + " s: lower the attempts, the backoff or the multiplier");
    }
    if (breakerFailureRate < 1 || breakerFailureRate > 100) {
      throw new IllegalArgumentException("worker.source-breaker-failure-rate must be 1..100, got " + breakerFailureRate);
    }
    if (breakerWindow < 1 || breakerWindow > BreakerSettings.MAX_WINDOW) {
      throw new IllegalArgumentException(
          "worker.source-breaker-window must be 1.." + BreakerSettings.MAX_WINDOW + ", got " + breakerWindow);
    }
    if (breakerWindow < 1 || breakerMinimumCalls < 1 || breakerMinimumCalls > breakerWindow) {
      throw new IllegalArgumentException(
          "worker.source-breaker-minimum-calls must be 1..worker.source-breaker-window, got "
              + breakerMinimumCalls + " / " + breakerWindow);
    }
    if (breakerOpenWait.toMillis() < 100 || breakerOpenWait.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("worker.source-breaker-open-wait must be 100ms..10m, got " + breakerOpenWait);
    }
    if (connectionTimeout.toMillis() < 250 || connectionTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("worker.source-connection-timeout must be 250ms..5m, got " + connectionTimeout);
    }
    // Above the clients query's 30 s timeout, whose cancel should end a query a busy server is slow
    // with first; below the lease's 12 h, which it is there to beat by far.
    if (readTimeout.compareTo(Duration.ofMinutes(1)) < 0 || readTimeout.compareTo(Duration.ofHours(6)) > 0) {
      throw new IllegalArgumentException("worker.source-read-timeout must be 1m..6h, got " + readTimeout);
    }
  }

  public static SourceResilienceSettings defaults() {
    return new SourceResilienceSettings(
        DEFAULT_RETRY_ATTEMPTS, DEFAULT_RETRY_INITIAL_BACKOFF, DEFAULT_RETRY_MULTIPLIER, DEFAULT_RETRY_JITTER,
        DEFAULT_BREAKER_FAILURE_RATE, DEFAULT_BREAKER_WINDOW, DEFAULT_BREAKER_MINIMUM_CALLS, DEFAULT_BREAKER_OPEN_WAIT,
        DEFAULT_CONNECTION_TIMEOUT, DEFAULT_READ_TIMEOUT);
  }

  /** The sum of the waits between {@code attempts} attempts, each jittered up as far as it goes. */
  private static double worstCaseRetryWaitMillis(int attempts, Duration backoff, double multiplier, double jitter) {
    double total = 0;
    for (int attempt = 1; attempt < attempts; attempt++) {
      total += backoff.toMillis() * Math.pow(multiplier, attempt - 1) * (1 + jitter);
    }
    return total;
  }

  /** The wait before attempt {@code attempt + 1}, jittered by {@code random01} in [0, 1). */
  public Duration backoff(int attempt, double random01) {
    double base = retryInitialBackoff.toMillis() * Math.pow(retryMultiplier, Math.max(0, attempt - 1));
    double jittered = base * (1 - retryJitter + 2 * retryJitter * random01);
    return Duration.ofMillis(Math.round(jittered));
  }
}
