package dev.storagebuilder.worker.app;

import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.resilience.DependencyBreaker;
import dev.storagebuilder.worker.resilience.ResilientRowSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Readiness: the worker can reach SQS (its queue), S3 (its bucket), DynamoDB (both ledger tables)
 * and its source database. Checks run in parallel, each bounded by {@link #CHECK_TIMEOUT}, and the
 * result is cached for {@link #CACHE_FOR}, so a probe every few seconds costs at most four
 * cheap calls and answers in under {@link #CHECK_TIMEOUT}. {@code /health} and {@code
 * /health/readiness} include it; {@code /health/liveness} does not (a slow dependency must not get
 * a healthy process restarted).
 *
 * <p>A dependency whose circuit breaker is not closed is reported DOWN even if this check's call
 * got through (throttling comes and goes): the worker takes no work until the breaker's probe
 * closes it, and the breaker's state is what explains that.
 */
@Singleton
final class ReadinessChecks {
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
  static final Duration CACHE_FOR = Duration.ofSeconds(5);

  private final AwsClients aws;
  private final HikariDataSource source;
  private final WorkerSettings settings;
  private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
  private final Clock clock = Clock.systemUTC();
  private final ExecutorService checks =
      Executors.newFixedThreadPool(4, Thread.ofPlatform().name("readiness-", 0).daemon(true).factory());
  private volatile Health cached;
  private volatile Instant cachedAt = Instant.MIN;

  ReadinessChecks(
      AwsClients aws, HikariDataSource source, WorkerSettings settings, ResilientRowSource rowSource,
      DependencyBreakers dependencies) {
    this.aws = aws;
    this.source = source;
    this.settings = settings;
    for (DependencyBreaker breaker : dependencies.all()) {
      breakers.put(breaker.dependency(), breaker.circuitBreaker());
    }
    breakers.put("source", rowSource.circuitBreaker());
  }

  synchronized Health result() {
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cachedAt.plus(CACHE_FOR))) {
      return cached;
    }
    Map<String, CompletableFuture<String>> running = new LinkedHashMap<>();
    running.put("sqs", check(() -> {
      aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().queueName()));
      return "queue " + settings.aws().queueName();
    }));
    running.put("s3", check(() -> {
      // A LIST under the snapshot prefix, not HeadBucket: the task role may list only that prefix.
      String prefix = settings.aws().snapshotPrefix() + WorkerFactory.PROBE_PREFIX;
      aws.s3().listObjectsV2(b -> b.bucket(settings.aws().bucket()).prefix(prefix).maxKeys(1));
      return "bucket " + settings.aws().bucket();
    }));
    running.put("dynamodb", check(() -> {
      aws.dynamo().describeTable(b -> b.tableName(settings.aws().versionsTable()));
      aws.dynamo().describeTable(b -> b.tableName(settings.aws().runsTable()));
      return "tables " + settings.aws().versionsTable() + ", " + settings.aws().runsTable();
    }));
    running.put("source", check(() -> {
      try (Connection connection = source.getConnection()) {
        if (!connection.isValid((int) CHECK_TIMEOUT.toSeconds())) {
          throw new IllegalStateException("connection not valid");
        }
      }
      return "database reachable";
    }));
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (Map.Entry<String, CompletableFuture<String>> entry : running.entrySet()) {
      String outcome;
      try {
        outcome = "UP: " + entry.getValue().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        entry.getValue().cancel(true);
        outcome = "DOWN: no answer within " + CHECK_TIMEOUT.toSeconds() + " s";
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

  private CompletableFuture<String> check(java.util.concurrent.Callable<String> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.call();
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        },
        checks);
  }
}
