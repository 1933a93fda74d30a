package dev.storagebuilder.producer.config;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.producer.dlq.DlqInspector;
import dev.storagebuilder.producer.dlq.DlqRedriver;
import dev.storagebuilder.producer.enqueue.RunEnqueuer;
import dev.storagebuilder.producer.jdbc.JdbcClientDirectory;
import dev.storagebuilder.producer.runs.ActiveWorkers;
import dev.storagebuilder.producer.runs.RunQueries;
import dev.storagebuilder.producer.runs.TargetQueries;
import dev.storagebuilder.producer.sqs.QueueGauges;
import dev.storagebuilder.producer.sqs.QueueLocator;
import dev.storagebuilder.producer.sqs.SqsDeadLetterQueue;
import dev.storagebuilder.producer.sqs.SqsWorkQueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the plain-Java services to their adapters. Settings come only from {@link
 * ProducerSettings}.
 */
@Factory
public class ProducerBeans {
  private static final Logger log = LoggerFactory.getLogger(ProducerBeans.class);

  /** Loaded at startup, so an invalid declaration stops the process naming the field. */
  @Context
  SourceConfig sourceConfig(
      ProducerSettings settings, ProducerSettingsFactory.SourceEnvironment environment) {
    SourceConfig source = ConfigurationRefusal.readingSettings(() -> settings.source().load(environment.variables()));
    log.info("source: {}; aws: {}", source, settings.aws());
    return source;
  }

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Run ids' random suffix; thread-safe, as runs start concurrently. */
  @Singleton
  RandomGenerator random() {
    return new SecureRandom();
  }

  @Singleton
  @Bean(preDestroy = "close")
  AwsClients awsClients(ProducerSettings settings) {
    return new AwsClients(settings.aws(), Math.max(16, settings.enqueueConcurrency() * 2));
  }

  @Singleton
  @Bean(preDestroy = "close")
  JdbcClientDirectory clientDirectory(SourceConfig source, ProducerSettings settings) {
    return new JdbcClientDirectory(
        source, settings.sourcePoolSize(), settings.sourceConnectionTimeout());
  }

  @Singleton
  ConditionalRunLedger runLedger(AwsClients aws, ProducerSettings settings) {
    return new DynamoRunLedger(aws.dynamo(), settings.aws().runsTable());
  }

  @Singleton
  QueueLocator queueLocator(AwsClients aws, ProducerSettings settings) {
    return new QueueLocator(aws.sqs(), settings.aws().queueName(), settings.aws().dlqName());
  }

  @Singleton
  @Bean(preDestroy = "close")
  SqsWorkQueue workQueue(
      AwsClients aws, QueueLocator queues, ProducerSettings settings, RandomGenerator random) {
    return new SqsWorkQueue(
        aws.sqs(), queues, settings.enqueueConcurrency(), settings.fairQueueGroupIds(), random);
  }

  @Singleton
  SqsDeadLetterQueue deadLetterQueue(AwsClients aws, QueueLocator queues) {
    return new SqsDeadLetterQueue(aws.sqs(), queues);
  }

  @Singleton
  RunEnqueuer runEnqueuer(
      JdbcClientDirectory clients,
      SourceConfig source,
      RunLedger ledger,
      SqsWorkQueue workQueue,
      ProducerSettings settings,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters) {
    LinkedHashMap<String, Long> kindsBySize = new LinkedHashMap<>();
    for (TargetDeclaration target : source.targets()) {
      kindsBySize.put(target.name(), target.estimatedRowsPerClient());
    }
    return new RunEnqueuer(
        clients, kindsBySize, settings.maxScopeTargets(), ledger, workQueue, clock, random, meters);
  }

  @Singleton
  RunQueries runQueries(RunLedger ledger, Clock clock) {
    return new RunQueries(ledger, clock);
  }

  @Singleton
  QueueGauges queueGauges(
      AwsClients aws, QueueLocator queues, RunLedger ledger, Clock clock, MeterRegistry meters) {
    return new QueueGauges(aws.sqs(), queues, new ActiveWorkers(ledger, clock), meters);
  }

  @Singleton
  VersionLedger versionLedger(AwsClients aws, ProducerSettings settings) {
    return new DynamoVersionLedger(aws.dynamo(), settings.aws().versionsTable());
  }

  @Singleton
  TargetQueries targetQueries(VersionLedger versions) {
    return new TargetQueries(versions);
  }

  @Singleton
  DlqInspector dlqInspector(SqsDeadLetterQueue dlq, ProducerSettings settings, Clock clock) {
    return new DlqInspector(dlq, settings.dlqScanLimit(), settings.dlqScanWait(), clock);
  }

  @Singleton
  DlqRedriver dlqRedriver(
      SqsDeadLetterQueue dlq,
      SqsWorkQueue workQueue,
      ConditionalRunLedger ledger,
      ProducerSettings settings,
      Clock clock,
      RandomGenerator random) {
    return new DlqRedriver(
        dlq, workQueue, ledger, clock, random, settings.dlqScanLimit(), settings.dlqScanWait());
  }
}
