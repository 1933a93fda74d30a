package dev.storagebuilder.worker.app;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
 * Named dependency checks run in parallel, their combined answer bounded by a timeout and cached
 * for a while; a dependency whose circuit breaker is not closed is DOWN whatever its check says.
 * {@link ReadinessChecks} gives it the worker's dependencies.
 *
 * <p>A check that does not answer in time cannot be stopped: {@code CompletableFuture.cancel} does
 * not interrupt the thread running it, and an SDK call may sit in its retries for minutes. So a
 * dependency has at most one check running: the next answer waits on that one (if it ends in time,
 * its answer counts) instead of starting another beside it. Before, every answer started a new one,
 * the hung checks took every thread of the pool (and a connection of the SDK's each), and the other
 * dependencies' checks queued behind them and were reported DOWN while they answered at once.
 */
final class DependencyChecks {
  private final Map<String, Callable<String>> checks;
  private final Map<String, CircuitBreaker> breakers;
  private final Clock clock;
  private final Duration checkTimeout;
  private final Duration cacheFor;
  private final ExecutorService runner;
  // Guarded by this.
  private final Map<String, Running> running = new HashMap<>();
  private Health cached;
  private Instant cachedAt = Instant.MIN;

  /** A dependency's check and when it started. */
  private record Running(CompletableFuture<String> answer, Instant startedAt) {}

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
    checks.forEach((dependency, check) -> {
      Running previous = running.get(dependency);
      if (previous == null || previous.answer().isDone()) {
        running.put(dependency, new Running(start(check), now));
      }
    });
    // One deadline for all: the answer comes within the timeout, not within a timeout per check.
    long deadline = System.nanoTime() + checkTimeout.toNanos();
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (String dependency : checks.keySet()) {
      Running check = running.get(dependency);
      String outcome;
      try {
        outcome = "UP: " + check.answer().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        long waited = Duration.between(check.startedAt(), clock.instant()).toMillis();
        outcome = "DOWN: no answer in " + Math.max(waited, checkTimeout.toMillis()) / 1000.0 + " s";
        up = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outcome = "DOWN: not waited for (interrupted)";
        up = false;
      } catch (Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        outcome = "DOWN: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        up = false;
      }
      CircuitBreaker breaker = breakers.get(dependency);
      if (breaker != null && breaker.getState() != CircuitBreaker.State.CLOSED) {
        outcome = "DOWN: circuit breaker " + breaker.getState() + " (" + outcome + ")";
        up = false;
      }
      details.put(dependency, outcome);
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
