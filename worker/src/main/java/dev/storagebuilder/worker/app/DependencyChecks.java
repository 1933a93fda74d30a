package dev.storagebuilder.worker.app;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Named dependency checks run in parallel, each bounded by a timeout, their combined answer cached
 * for a while; a dependency whose circuit breaker is not closed is DOWN whatever its check says.
 * {@link ReadinessChecks} gives it the worker's dependencies.
 */
final class DependencyChecks {
  private final Map<String, Callable<String>> checks;
  private final Map<String, CircuitBreaker> breakers;
  private final Clock clock;
  private final Duration checkTimeout;
  private final Duration cacheFor;
  private final ExecutorService runner;
  private Health cached;
  private Instant cachedAt = Instant.MIN;

  /**
   * @param checks by dependency, in the order of the answer; each returns what it reached or throws
   * @param breakers by dependency, for those that have one
   */
  DependencyChecks(
      Map<String, Callable<String>> checks, Map<String, CircuitBreaker> breakers, Clock clock, Duration checkTimeout,
      Duration cacheFor) {
    this.checks = new LinkedHashMap<>(checks);
    this.breakers = Map.copyOf(breakers);
    this.clock = clock;
    this.checkTimeout = checkTimeout;
    this.cacheFor = cacheFor;
    this.runner =
        Executors.newFixedThreadPool(
            Math.max(1, checks.size()), Thread.ofPlatform().name("readiness-", 0).daemon(true).factory());
  }

  synchronized Health result() {
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cachedAt.plus(cacheFor))) {
      return cached;
    }
    Map<String, CompletableFuture<String>> running = new LinkedHashMap<>();
    checks.forEach((dependency, check) -> running.put(dependency, start(check)));
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (Map.Entry<String, CompletableFuture<String>> entry : running.entrySet()) {
      String outcome;
      try {
        outcome = "UP: " + entry.getValue().get(checkTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        entry.getValue().cancel(true);
        outcome = "DOWN: no answer within " + checkTimeout.toSeconds() + " s";
        up = false;
      } catch (Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        outcome = "DOWN: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        up = false;
      }
      CircuitBreaker breaker = breakers.get(entry.getKey());
      if (breaker != null && breaker.getState() != CircuitBreaker.State.CLOSED) {
        outcome = "DOWN: circuit breaker " + breaker.getState() + " (" + outcome + ")";
        up = false;
      }
      details.put(entry.getKey(), outcome);
    }
    cached = new Health("dependencies", up, details);
    cachedAt = clock.instant();
    return cached;
  }

  private CompletableFuture<String> start(Callable<String> check) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return check.call();
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        runner);
  }
}
