package dev.storagebuilder.worker.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.config.WorkerSettingsProperties;
import dev.storagebuilder.worker.jdbc.EvictOnConnectionLoss;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.common.target.SqlDialect;
import dev.storagebuilder.worker.pipeline.LeaseKeeper;
import dev.storagebuilder.worker.pipeline.MessageLoop;
import dev.storagebuilder.worker.pipeline.Scheduler;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.resilience.ResilientRowSource;
import dev.storagebuilder.worker.resilience.SourceResilienceSettings;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import dev.storagebuilder.worker.sqs.SqsAcknowledger;
import dev.storagebuilder.worker.sqs.SqsMessageSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Wires the plain-Java pipeline to its adapters. The only class that knows every concrete type. */
@Factory
final class WorkerFactory {

  @Singleton
  WorkerSettings settings(Environment environment) {
    String host = ManagementFactory.getRuntimeMXBean().getName();
    return WorkerSettingsProperties.from(
        name -> environment.getProperty(name, String.class),
        System.getenv(),
        Runtime.getRuntime().maxMemory(),
        "worker-" + host);
  }

  @Singleton
  @Bean(preDestroy = "close")
  AwsClients awsClients(WorkerSettings settings) {
    return new AwsClients(settings.aws(), Math.max(16, settings.loop().concurrency() * (settings.partsInFlight() + 2)));
  }

  @Singleton
  SourceResilienceSettings sourceResilienceSettings(Environment environment) {
    return WorkerSettingsProperties.sourceResilience(name -> environment.getProperty(name, String.class));
  }

  @Singleton
  ResilientRowSource rowSource(
      WorkerSettings settings, SourceResilienceSettings resilience, HikariDataSource dataSource,
      MeterRegistry meters) {
    ResilientRowSource source =
        new ResilientRowSource(
            new JdbcRowSource(
                dataSource, settings.source().clientsQuery(), settings.fetchSize(), Clock.systemUTC(),
                settings.changeRead(), settings.postgresCopy()),
            resilience, new DefaultFailureClassifier(), new SplittableRandom());
    // resilience4j_circuitbreaker_state{name="source",state=...} and retry counts on /prometheus
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(source.circuitBreakers())
        .bindTo(meters);
    TaggedRetryMetrics.ofRetryRegistry(source.retries()).bindTo(meters);
    return source;
  }

  @Singleton
  @Bean(preDestroy = "close")
  HikariDataSource sourceDataSource(WorkerSettings settings, SourceResilienceSettings resilience) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("source");
    config.setJdbcUrl(settings.source().jdbcUrl());
    config.setUsername(settings.source().username());
    config.setPassword(settings.source().password());
    config.setMaximumPoolSize(settings.poolSize());
    config.setMinimumIdle(1);
    config.setConnectionTimeout(resilience.connectionTimeout().toMillis());
    config.setInitializationFailTimeout(-1);
    config.setExceptionOverrideClassName(EvictOnConnectionLoss.class.getName());
    if (SqlDialect.fromJdbcUrl(settings.source().jdbcUrl()) == SqlDialect.POSTGRESQL) {
      // A statement run once per target would otherwise stay on the text protocol (slower decode).
      config.addDataSourceProperty("prepareThreshold", "-1");
    }
    return new HikariDataSource(config);
  }

  @Singleton
  VersionLedger versionLedger(AwsClients aws, WorkerSettings settings) {
    return new DynamoVersionLedger(aws.dynamo(), settings.aws().versionsTable());
  }

  @Singleton
  RunLedger runLedger(AwsClients aws, WorkerSettings settings, MeterRegistry meters) {
    return new MeteredRunLedger(new DynamoRunLedger(aws.dynamo(), settings.aws().runsTable()), meters);
  }

  @Singleton
  MessageLoop messageLoop(
      WorkerSettings settings, AwsClients aws, ResilientRowSource source, VersionLedger versions, RunLedger runs,
      MeterRegistry meters) {
    Clock clock = Clock.systemUTC();
    String queueUrl = aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().queueName())).queueUrl();
    String dlqUrl = aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().dlqName())).queueUrl();
    S3ObjectStore store =
        new S3ObjectStore(aws.s3(), settings.aws().bucket(), Math.toIntExact(settings.partBytes()), settings.partsInFlight());
    SnapshotBuilder builder =
        new SnapshotBuilder(
            source,
            store,
            new StorageLayout(settings.aws().snapshotPrefix(), UUID::randomUUID),
            SnapshotWriterOptions.defaults().withRowGroupBytes(settings.rowGroupBytes()),
            settings.compaction(),
            clock);
    TargetProcessor processor =
        new TargetProcessor(
            settings.source(), builder, versions, runs, new DefaultFailureClassifier(), settings.processing(), clock,
            settings.workerId(), source);
    SqsAcknowledger acknowledger = new SqsAcknowledger(aws.sqs(), queueUrl, dlqUrl);
    ScheduledExecutorService heartbeat =
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("lease-heartbeat").daemon(true).factory());
    return new MessageLoop(
        new SqsMessageSource(aws.sqs(), queueUrl, settings.visibilityTimeout()),
        acknowledger,
        processor,
        new LeaseKeeper(acknowledger, Scheduler.of(heartbeat), settings.visibilityTimeout()),
        settings.loop(),
        settings.processing(),
        new WorkerMetrics(meters),
        source);
  }
}
