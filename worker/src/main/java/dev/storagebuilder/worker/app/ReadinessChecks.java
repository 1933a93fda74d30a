package dev.storagebuilder.worker.app;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.jdbc.SourceConnections;
import dev.storagebuilder.worker.resilience.DependencyBreaker;
import dev.storagebuilder.worker.resilience.ResilientRowSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Readiness: the worker can reach SQS (its queue), S3 (its bucket), DynamoDB (both ledger tables)
 * and its source database. Checks run in parallel, one at a time per dependency ({@link
 * DependencyChecks}), and the result is cached for {@link #CACHE_FOR}, so a probe every few seconds
 * costs at most four cheap calls and answers in under {@link #CHECK_TIMEOUT}. {@code /health} and {@code
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

  private final DependencyChecks checks;

  ReadinessChecks(
      AwsClients aws, SourceConnections source, WorkerSettings settings, ResilientRowSource rowSource,
      DependencyBreakers dependencies) {
    Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
    for (DependencyBreaker breaker : dependencies.all()) {
      breakers.put(breaker.dependency(), breaker.circuitBreaker());
    }
    breakers.put("source", rowSource.circuitBreaker());
    Map<String, Callable<String>> calls = new LinkedHashMap<>();
    calls.put("sqs", () -> {
      aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().queueName()));
      return "queue " + settings.aws().queueName();
    });
    calls.put("s3", () -> {
      // A LIST under the snapshot prefix, not HeadBucket: the task role may list only that prefix.
      String prefix = settings.aws().snapshotPrefix() + WorkerFactory.PROBE_PREFIX;
      aws.s3().listObjectsV2(b -> b.bucket(settings.aws().bucket()).prefix(prefix).maxKeys(1));
      return "bucket " + settings.aws().bucket();
    });
    calls.put("dynamodb", () -> {
      aws.dynamo().describeTable(b -> b.tableName(settings.aws().versionsTable()));
      aws.dynamo().describeTable(b -> b.tableName(settings.aws().runsTable()));
      return "tables " + settings.aws().versionsTable() + ", " + settings.aws().runsTable();
    });
    calls.put("source", () -> {
      try (Connection connection = source.getConnection()) {
        if (!connection.isValid((int) CHECK_TIMEOUT.toSeconds())) {
          throw new IllegalStateException("connection not valid");
        }
      }
      return "database reachable";
    });
    this.checks = new DependencyChecks(calls, breakers, Clock.systemUTC(), CHECK_TIMEOUT, CACHE_FOR);
  }

  Health result() {
    return checks.result();
  }
}
