package dev.storagebuilder.worker.app;

import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoSourceSlots;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.config.KnownSettings;
import dev.storagebuilder.common.config.SettingRefusedException;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.slots.SourceSlots;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfigProperties;
import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.config.WorkerSettingsProperties;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.jdbc.SourceConnections;
import dev.storagebuilder.worker.jdbc.SourcePool;
import dev.storagebuilder.worker.pipeline.BatchedSuccesses;
import dev.storagebuilder.worker.pipeline.LeaseKeeper;
import dev.storagebuilder.worker.pipeline.MemoryBudget;
import dev.storagebuilder.worker.pipeline.MessageLoop;
import dev.storagebuilder.worker.pipeline.Scheduler;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.SourceAdmission;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.pipeline.WorkerPresence;
import dev.storagebuilder.worker.resilience.CompositeBackpressure;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.resilience.DependencyBreaker;
import dev.storagebuilder.worker.resilience.ResilientObjectStore;
import dev.storagebuilder.worker.resilience.ResilientRowSource;
import dev.storagebuilder.worker.resilience.ResilientRunLedger;
import dev.storagebuilder.worker.resilience.ResilientVersionLedger;
import dev.storagebuilder.worker.resilience.SourceResilienceSettings;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import dev.storagebuilder.worker.sqs.QueueRedrive;
import dev.storagebuilder.worker.sqs.SqsAcknowledger;
import dev.storagebuilder.worker.sqs.SqsMessageSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the plain-Java pipeline to its adapters. The only class that knows every concrete type. */
@Factory
final class WorkerFactory {
  private static final Logger log = LoggerFactory.getLogger(WorkerFactory.class);
  /** What the breakers' probes read: nothing is stored there, an empty answer is a healthy one. */
  static final String PROBE_PREFIX = "breaker-probe/";
  static final TargetRef PROBE_TARGET = new TargetRef("storage-builder-probe", "breaker-probe");
  /** The worker's port when micronaut.server.port is unset (application.yml sets it too). */
  static final int DEFAULT_PORT = 8081;

  @Singleton
  WorkerSettings settings(Environment environment) {
    String host = ManagementFactory.getRuntimeMXBean().getName();
    Function<String, Optional<String>> properties = name -> environment.getProperty(name, String.class);
    observabilityPort(environment);
    KnownSettings.requireCloudWatchSwitch(environment.getProperty(KnownSettings.CLOUDWATCH_ENABLED, String.class));
    KnownSettings.refuseUnknown(
        suppliedKeys(environment),
        SourceConfigProperties.passwordVariable(properties).map(Set::of).orElse(Set.of()));
    return ConfigurationRefusal.readingSettings(() -> WorkerSettingsProperties.from(
        properties,
        System.getenv(),
        Runtime.getRuntime().maxMemory(),
        "worker-" + host));
  }

  /**
   * The port of /health and /prometheus. Read as text: Micronaut reads a value that does not convert
   * to an Integer as absent, and the worker listened on 8081 instead of refusing it.
   */
  static int observabilityPort(Environment environment) {
    Optional<String> text = environment.getProperty("micronaut.server.port", String.class).map(String::strip);
    if (text.isEmpty()) {
      return DEFAULT_PORT;
    }
    try {
      int port = Integer.parseInt(text.get());
      if (port >= 0 && port <= 65_535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // refused below, with the value as written
    }
    throw new SettingRefusedException(
        "micronaut.server.port (MICRONAUT_SERVER_PORT), the port of /health and /prometheus, must be 0..65535, got '"
            + text.get() + "'");
  }

  /** Every key as supplied: environment variables, system properties, configuration files. */
  static List<String> suppliedKeys(Environment environment) {
    List<String> keys = new ArrayList<>();
    for (PropertySource source : environment.getPropertySources()) {
      source.forEach(keys::add);
    }
    return keys;
  }

  @Singleton
  @Bean(preDestroy = "close")
  AwsClients awsClients(WorkerSettings settings) {
    return new AwsClients(settings.aws(), settings.awsConnections());
  }

  @Singleton
  SourceResilienceSettings sourceResilienceSettings(Environment environment) {
    return ConfigurationRefusal.readingSettings(
        () -> WorkerSettingsProperties.sourceResilience(name -> environment.getProperty(name, String.class)));
  }

  @Singleton
  ResilientRowSource rowSource(
      WorkerSettings settings, SourceResilienceSettings resilience, SourceConnections dataSource,
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

  /** Closed by {@link #sourceConnections}, with a bound: the pool's own close may wait on a silent source. */
  @Singleton
  HikariDataSource sourceDataSource(WorkerSettings settings, SourceResilienceSettings resilience) {
    return SourcePool.open(
        settings.source(), settings.poolSize(), resilience.connectionTimeout(), resilience.readTimeout());
  }

  /** Every use of the source takes its connections here, so a stop can abort those still out. */
  @Singleton
  @Bean(preDestroy = "close")
  SourceConnections sourceConnections(HikariDataSource pool) {
    return new SourceConnections(pool);
  }

  /**
   * Breakers "s3" and "dynamodb": one per service, shared by every port on it. Probes read where
   * the worker's IAM policy allows (LIST under the snapshot prefix, GetItem on the versions table).
   */
  @Singleton
  DependencyBreakers dependencyBreakers(
      Environment environment, AwsClients aws, WorkerSettings settings, MeterRegistry meters) {
    String bucket = settings.aws().bucket();
    String probePrefix = settings.aws().snapshotPrefix() + PROBE_PREFIX;
    DynamoVersionLedger probeLedger = new DynamoVersionLedger(aws.dynamo(), settings.aws().versionsTable());
    DependencyBreakers breakers =
        new DependencyBreakers(
            new DependencyBreaker(
                ConfigurationRefusal.readingSettings(() ->
                    WorkerSettingsProperties.breaker(name -> environment.getProperty(name, String.class), "s3")),
                AwsErrors::isTransient,
                () -> aws.s3().listObjectsV2(b -> b.bucket(bucket).prefix(probePrefix).maxKeys(1))),
            new DependencyBreaker(
                ConfigurationRefusal.readingSettings(() ->
                    WorkerSettingsProperties.breaker(name -> environment.getProperty(name, String.class), "dynamodb")),
                AwsErrors::isTransient,
                () -> probeLedger.current(PROBE_TARGET)));
    // resilience4j_circuitbreaker_state{name="s3"|"dynamodb",state=...} on /prometheus
    for (DependencyBreaker breaker : breakers.all()) {
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breaker.circuitBreakers()).bindTo(meters);
    }
    return breakers;
  }

  @Singleton
  VersionLedger versionLedger(AwsClients aws, WorkerSettings settings, DependencyBreakers breakers) {
    return new ResilientVersionLedger(
        new DynamoVersionLedger(aws.dynamo(), settings.aws().versionsTable()), breakers.dynamodb());
  }

  @Singleton
  RunLedger runLedger(AwsClients aws, WorkerSettings settings, MeterRegistry meters, DependencyBreakers breakers) {
    return new MeteredRunLedger(
        new ResilientRunLedger(new DynamoRunLedger(aws.dynamo(), settings.aws().runsTable()), breakers.dynamodb()),
        meters);
  }

  /**
   * The fleet-wide cap on source readers, or none. A lease lasts one visibility timeout and is
   * renewed with the message's heartbeat (every half timeout): a SIGKILLed worker's slots come free
   * when its messages become visible again.
   */
  @Singleton
  SourceAdmission sourceAdmission(AwsClients aws, WorkerSettings settings, MeterRegistry meters) {
    var slots = settings.sourceSlots();
    if (!slots.capped()) {
      log.info("no source concurrency cap: up to worker.concurrency targets of every worker read the source");
      return SourceAdmission.UNLIMITED;
    }
    log.info("source {} capped at {} concurrent targets across the fleet (slot lease {}, postpone ~{})",
        slots.sourceId(), slots.cap(), settings.visibilityTimeout(), slots.postponeDelay());
    SourceSlots shared =
        new DynamoSourceSlots(
            aws.dynamo(), settings.aws().runsTable(), slots.sourceId(), slots.cap(), settings.visibilityTimeout());
    return new SourceAdmission(new MeteredSourceSlots(shared, meters), slots.postponeDelay(), new SplittableRandom());
  }

  /** micronaut.server.port stays the port's name (fleet, tests and deployments set it). */
  @Singleton
  ObservabilityServer observabilityServer(
      Environment environment, ReceiveLoopLiveness liveness, ReadinessChecks readiness,
      PrometheusMeterRegistry prometheus) {
    return new ObservabilityServer(
        observabilityPort(environment),
        environment.getProperty("micronaut.application.name", String.class).orElse("storage-builder-worker"),
        List.of(liveness::result),
        List.of(readiness::result),
        prometheus::scrape);
  }

  @Singleton
  MessageLoop messageLoop(
      WorkerSettings settings, AwsClients aws, ResilientRowSource source, VersionLedger versions, RunLedger runs,
      SourceAdmission admission, DependencyBreakers breakers, MeterRegistry meters, SourceConnections connections) {
    Clock clock = Clock.systemUTC();
    String queueUrl = aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().queueName())).queueUrl();
    String dlqUrl = aws.sqs().getQueueUrl(b -> b.queueName(settings.aws().dlqName())).queueUrl();
    QueueRedrive.requireNotBelow(aws.sqs(), settings.aws().queueName(), queueUrl, settings.processing().maxReceiveCount());
    ResilientObjectStore store =
        new ResilientObjectStore(
            new S3ObjectStore(
                aws.s3(), settings.aws().bucket(), Math.toIntExact(settings.partBytes()), settings.partsInFlight()),
            breakers.s3());
    // An outage of any dependency every target needs pauses receiving and postpones failed targets.
    CompositeBackpressure backpressure = new CompositeBackpressure(List.of(source, breakers.s3(), breakers.dynamodb()));
    SnapshotBuilder builder =
        new SnapshotBuilder(
            source,
            store,
            new StorageLayout(settings.aws().snapshotPrefix(), UUID::randomUUID),
            SnapshotWriterOptions.defaults().withRowGroupBytes(settings.rowGroupBytes()),
            new SnapshotBuilder.Upkeep(settings.compaction(), settings.retiredObjectGrace(),
                new RetiredObjectMetrics(meters), new SweepMetrics(meters)),
            clock);
    MemoryBudget memory = settings.targetMemory();
    log.info("target memory budget {} MiB; worker.concurrency {}", memory.capacityBytes() >> 20,
        settings.loop().concurrency());
    TargetProcessor processor =
        new TargetProcessor(
            settings.source(), builder, versions, runs, new DefaultFailureClassifier(), settings.processing(), clock,
            settings.workerId(), backpressure, admission, memory,
            new BatchedSuccesses(runs, BatchedSuccesses.DEFAULT_LINGER, BatchedSuccesses.DEFAULT_MAX_BATCH));
    SqsAcknowledger acknowledger = new SqsAcknowledger(aws.sqs(), queueUrl, dlqUrl);
    ScheduledThreadPoolExecutor heartbeat =
        new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("lease-heartbeat").daemon(true).factory());
    // Each received message schedules a hand-back timer that its start cancels: dropped at once,
    // not kept queued until it would have been due (half a visibility timeout, per message).
    heartbeat.setRemoveOnCancelPolicy(true);
    // A thread of its own: a DynamoDB write waiting out its timeouts must not hold up the heartbeat's timer.
    ScheduledThreadPoolExecutor presence =
        new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("worker-presence").daemon(true).factory());
    presence.scheduleAtFixedRate(new WorkerPresence(runs, settings.workerId(), clock),
        WorkerPresence.FIRST_MARK.toMillis(), WorkerPresence.INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return new MessageLoop(
        new SqsMessageSource(aws.sqs(), queueUrl, settings.visibilityTimeout()),
        acknowledger,
        processor,
        new LeaseKeeper(
            acknowledger, Scheduler.of(heartbeat), settings.visibilityTimeout(), AwsErrors::isTransient, connections),
        settings.loop(),
        settings.processing(),
        new WorkerMetrics(meters),
        backpressure,
        connections);
  }
}
