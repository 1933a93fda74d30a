package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.aws.sqs.QueueProvisioner.QueueUrls;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.chaos.TcpProxy.HttpFault;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.BatchedSuccesses;
import dev.storagebuilder.worker.pipeline.LeaseKeeper;
import dev.storagebuilder.worker.pipeline.LoopSettings;
import dev.storagebuilder.worker.pipeline.MemoryBudget;
import dev.storagebuilder.worker.pipeline.MessageLoop;
import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import dev.storagebuilder.worker.pipeline.Scheduler;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.SourceAdmission;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.BreakerSettings;
import dev.storagebuilder.worker.resilience.CompositeBackpressure;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.resilience.DependencyBreaker;
import dev.storagebuilder.worker.resilience.ResilientObjectStore;
import dev.storagebuilder.worker.resilience.ResilientRowSource;
import dev.storagebuilder.worker.resilience.ResilientRunLedger;
import dev.storagebuilder.worker.resilience.ResilientVersionLedger;
import dev.storagebuilder.worker.resilience.SourceResilienceSettings;
import dev.storagebuilder.worker.sqs.SqsAcknowledger;
import dev.storagebuilder.worker.sqs.SqsMessageSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DynamoDB throttling and conditional-write conflicts against dynalite, in process: the worker's
 * pipeline (message loop, SQS adapters, the breaker decorators, the DynamoDB ledgers, S3 on
 * S3Proxy) wired as {@code WorkerFactory} wires it, with DynamoDB behind a {@link TcpProxy} that
 * answers every request with DynamoDB's own throttling errors for a while.
 */
class DynamoFaultIT {
  private static final TargetRef PROBE = new TargetRef("storage-builder-probe", "breaker-probe");
  private static EmbeddedAwsStack stack;
  private static int names;

  @TempDir Path stateDir;

  @BeforeAll
  static void startStack() {
    stack = EmbeddedAwsStack.builder().start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void throttlingOpensTheDynamoDbBreakerPausesTheWorkerAndEveryTargetCompletesAfterwardsWithNoneDeadLettered()
      throws Exception {
    AwsSettings direct = settings("throttle");
    URI dynamo = stack.dynamoEndpoint();
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"));
        TcpProxy proxy = TcpProxy.start(dynamo.getHost(), dynamo.getPort());
        AwsClients admin = new AwsClients(direct);
        AwsClients worker =
            new AwsClients(
                direct.toBuilder()
                    .endpoints(stack.sqsEndpoint(), stack.s3Endpoint(), URI.create("http://127.0.0.1:" + proxy.port()))
                    .build(),
                16)) {
      GenerationReport generated = load(source);
      SourceConfig config = SourceConfigLoader.demo(source.jdbcUrl(), null, null);
      QueueUrls queues = provision(admin, direct);

      // As WorkerFactory wires it, with a breaker that opens after two failed DynamoDB calls and
      // probes every second; max-receive-count 2: a target that spent its deliveries on the
      // throttling would be dead-lettered on its second failure.
      DependencyBreaker dynamodb =
          new DependencyBreaker(new BreakerSettings("dynamodb", 50, 4, 2, Duration.ofSeconds(1)), AwsErrors::isTransient,
              () -> new DynamoVersionLedger(worker.dynamo(), direct.versionsTable()).current(PROBE));
      DependencyBreaker s3 =
          new DependencyBreaker(BreakerSettings.defaults("s3"), AwsErrors::isTransient,
              () -> worker.s3().listObjectsV2(b -> b.bucket(direct.bucket()).prefix("snapshots/breaker-probe/")));
      List<String> transitions = new CopyOnWriteArrayList<>();
      dynamodb.circuitBreaker().getEventPublisher()
          .onStateTransition(e -> transitions.add(e.getStateTransition().name()));
      ResilientRowSource rows = rowSource(config);
      CompositeBackpressure backpressure = new CompositeBackpressure(List.of(rows, s3, dynamodb));
      ProcessingSettings processing = new ProcessingSettings(2, Duration.ofMillis(500), Duration.ofSeconds(2));
      ResilientRunLedger workerRuns = new ResilientRunLedger(new DynamoRunLedger(worker.dynamo(), direct.runsTable()), dynamodb);
      BatchedSuccesses successes =
          new BatchedSuccesses(workerRuns, BatchedSuccesses.DEFAULT_LINGER, BatchedSuccesses.DEFAULT_MAX_BATCH);
      TargetProcessor processor =
          new TargetProcessor(config,
              new SnapshotBuilder(rows, new ResilientObjectStore(new S3ObjectStore(worker.s3(), direct.bucket()), s3),
                  new StorageLayout("snapshots/", UUID::randomUUID), SnapshotWriterOptions.defaults(),
                  Clock.systemUTC()),
              new ResilientVersionLedger(new DynamoVersionLedger(worker.dynamo(), direct.versionsTable()), dynamodb),
              workerRuns, new DefaultFailureClassifier(), processing, Clock.systemUTC(), "w-1", backpressure,
              SourceAdmission.UNLIMITED, MemoryBudget.UNLIMITED, successes);
      List<String> pauses = new CopyOnWriteArrayList<>();
      List<Outcome> outcomes = new CopyOnWriteArrayList<>();
      SqsAcknowledger acknowledger = new SqsAcknowledger(worker.sqs(), queues.queueUrl(), queues.dlqUrl());
      ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor();
      MessageLoop loop =
          new MessageLoop(
              new SqsMessageSource(worker.sqs(), queues.queueUrl(), Duration.ofSeconds(30)),
              acknowledger, processor,
              new LeaseKeeper(acknowledger, Scheduler.of(heartbeat), Duration.ofSeconds(30)),
              new LoopSettings(2, Duration.ofSeconds(1), Duration.ofSeconds(10)),
              processing,
              new MessageLoop.LoopListener() {
                @Override
                public void finished(ReceivedMessage message, Outcome outcome, Duration took) {
                  outcomes.add(outcome);
                }

                @Override
                public void pausedChanged(boolean paused, String reason) {
                  if (paused) {
                    pauses.add(reason);
                  }
                }
              },
              backpressure);

      RunLedger runs = new DynamoRunLedger(admin.dynamo(), direct.runsTable());
      String runId = "run-throttled";
      List<TargetRef> targets = targets(generated, config);
      runs.createRun(new RunRecord(runId, "all", SyncMode.FULL, "test", Instant.now(), targets.size()));
      proxy.failHttp(HttpFault.dynamoDb("ThrottlingException", "Rate exceeded"),
          HttpFault.dynamoDb("ProvisionedThroughputExceededException", "The level of configured provisioned throughput"
              + " for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."));
      send(admin, queues, runId, targets);
      loop.start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> transitions.contains("CLOSED_TO_OPEN") && !pauses.isEmpty());
        // Stay throttled through at least one failed probe: the breaker must not close early.
        await().atMost(Duration.ofSeconds(30)).until(() -> transitions.contains("HALF_OPEN_TO_OPEN"));
        long injected = proxy.httpFailuresInjected();
        proxy.restore();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> succeeded(runs, runId) == targets.size());
        await().atMost(Duration.ofSeconds(30)).until(() -> depth(admin, queues.queueUrl()) == 0);
        System.out.println("throttled answers " + injected + ", breaker " + transitions + ", paused for " + pauses
            + ", outcomes " + outcomes.stream().map(o -> o.getClass().getSimpleName()).toList());

        assertThat(injected).as("throttling answers were really given").isGreaterThanOrEqualTo(6);
        assertThat(pauses).anySatisfy(reason -> assertThat(reason).contains("dynamodb circuit breaker"));
        assertThat(dynamodb.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(outcomes).as("targets failing meanwhile were postponed")
            .anySatisfy(o -> assertThat(o).isInstanceOf(Outcome.Postpone.class))
            .noneSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Reject.class));
        assertThat(depth(admin, queues.dlqUrl())).as("nothing dead-lettered").isZero();
        VersionLedger versions = new DynamoVersionLedger(admin.dynamo(), direct.versionsTable());
        assertThat(versions.all()).hasSize(targets.size())
            .allSatisfy(v -> assertThat(versions.history(v.target())).as("exactly one commit").hasSize(1));
      } finally {
        loop.stop();
        successes.close();
        heartbeat.shutdownNow();
      }
    }
  }

  @Test
  void twoConcurrentCommitsOfOneTargetVersionHaveOneWinnerTheLoserLeavesNoObjectsAndTheRunCountsTheTargetOnce()
      throws Exception {
    AwsSettings direct = settings("conflict");
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"));
        AwsClients aws = new AwsClients(direct)) {
      GenerationReport generated = load(source);
      SourceConfig config = SourceConfigLoader.demo(source.jdbcUrl(), null, null);
      provision(aws, direct);
      TargetRef target = targets(generated, config).getFirst();
      DependencyBreaker dynamodb =
          new DependencyBreaker(BreakerSettings.defaults("dynamodb"), AwsErrors::isTransient, () -> {});
      VersionLedger versions =
          new ResilientVersionLedger(new DynamoVersionLedger(aws.dynamo(), direct.versionsTable()), dynamodb);
      RunLedger runs = new ResilientRunLedger(new DynamoRunLedger(aws.dynamo(), direct.runsTable()), dynamodb);
      S3ObjectStore store = new S3ObjectStore(aws.s3(), direct.bucket());
      String runId = "run-conflict";
      runs.createRun(new RunRecord(runId, "all", SyncMode.FULL, "test", Instant.now(), 1));
      String body = TargetMessageCodec.encode(TargetMessage.of(runId, target, SyncMode.FULL, Instant.now()));

      // Both read the (absent) version record before either builds: both commit over sequence 0.
      CyclicBarrier bothRead = new CyclicBarrier(2);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<Outcome>> running = new ArrayList<>();
      try {
        for (int w = 1; w <= 2; w++) {
          RowSource waitsForTheOther = new BarrierRowSource(rowSource(config), bothRead);
          TargetProcessor processor =
              new TargetProcessor(config,
                  new SnapshotBuilder(waitsForTheOther, store, new StorageLayout("snapshots/", UUID::randomUUID),
                      SnapshotWriterOptions.defaults(), Clock.systemUTC()),
                  versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), Clock.systemUTC(),
                  "w-" + w);
          ReceivedMessage copy = new ReceivedMessage("m-" + w, body, "h-" + w, 1, Map.of(), Instant.now());
          running.add(pool.submit(() -> processor.process(copy)));
        }
        List<String> summaries = new ArrayList<>();
        for (Future<Outcome> outcome : running) {
          assertThat(outcome.get(60, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Done.class,
              done -> summaries.add(done.summary()));
        }
        assertThat(summaries).containsExactlyInAnyOrder("committed sequence 1", "superseded");
      } finally {
        pool.shutdownNow();
      }

      TargetVersion winner = versions.current(target).orElseThrow();
      assertThat(versions.history(target)).extracting(TargetVersion::sequence).containsExactly(1L);
      List<String> objects = store.list("snapshots/");
      // The winner's base and manifest only (the small key index is inside it); the loser's are deleted.
      String winnersBase = ManifestCodec.decode(store.get(winner.manifestKey())).base().key();
      assertThat(objects).containsExactlyInAnyOrder(winnersBase, winner.manifestKey());
      List<TargetProgress> progress = runs.targets(runId);
      assertThat(progress).singleElement().satisfies(p -> {
        assertThat(p.state()).isEqualTo(TargetState.SUCCEEDED);
        assertThat(p.versionSequence()).isEqualTo(1L);
      });
      assertThat(succeeded(runs, runId)).isEqualTo(1);
      assertThat(dynamodb.circuitBreaker().getMetrics().getNumberOfFailedCalls())
          .as("a lost conditional commit is no failure of DynamoDB").isZero();
    }
  }

  private static AwsSettings settings(String name) {
    String unique = "sb-dynamo-fault-" + name + "-" + (++names);
    return AwsSettings.builder()
        .region(stack.region())
        .endpoints(stack.sqsEndpoint(), stack.s3Endpoint(), stack.dynamoEndpoint())
        .credentials(stack.accessKey(), stack.secretKey())
        .bucket(unique)
        .snapshotPrefix("snapshots/")
        .queueName(unique)
        .dlqName(unique + "-dlq")
        .versionsTable(unique + "-versions")
        .runsTable(unique + "-runs")
        .build();
  }

  private static QueueUrls provision(AwsClients aws, AwsSettings settings) {
    QueueUrls queues = QueueProvisioner.ensureQueues(aws.sqs(), settings.queueName(), settings.dlqName(), 10, 30);
    LedgerTables.ensure(aws.dynamo(), settings);
    new S3ObjectStore(aws.s3(), settings.bucket()).ensureBucket();
    return queues;
  }

  /** The smallest demo data set: three clients, six targets each. */
  private static GenerationReport load(DemoSource source) throws SQLException {
    return source.load(new DemoDataGenerator(29, 0.00001));
  }

  private static List<TargetRef> targets(GenerationReport generated, SourceConfig config) {
    List<TargetRef> targets = new ArrayList<>();
    for (String client : generated.clientIds()) {
      for (TargetDeclaration target : config.targets()) {
        targets.add(new TargetRef(client, target.name()));
      }
    }
    return targets;
  }

  private static ResilientRowSource rowSource(SourceConfig config) {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL(config.jdbcUrl());
    return new ResilientRowSource(
        new JdbcRowSource(dataSource, config.clientsQuery(), 1_000, Clock.systemUTC()),
        SourceResilienceSettings.defaults(), new DefaultFailureClassifier(), new SplittableRandom(1));
  }

  private static void send(AwsClients aws, QueueUrls queues, String runId, List<TargetRef> targets) {
    for (TargetRef target : targets) {
      aws.sqs().sendMessage(b -> b.queueUrl(queues.queueUrl())
          .messageBody(TargetMessageCodec.encode(TargetMessage.of(runId, target, SyncMode.FULL, Instant.now()))));
    }
  }

  private static int succeeded(RunLedger runs, String runId) {
    return runs.status(runId).map(s -> s.counts().getOrDefault(TargetState.SUCCEEDED, 0)).orElse(0);
  }

  private static int depth(AwsClients aws, String queueUrl) {
    return aws.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
            .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed"))
        .attributesAsStrings().values().stream().mapToInt(Integer::parseInt).sum();
  }

  /** Holds each full read until both workers have read the version record (and so planned the same commit). */
  private record BarrierRowSource(RowSource delegate, CyclicBarrier bothRead) implements RowSource {
    @Override
    public boolean clientExists(String clientId) throws SQLException {
      return delegate.clientExists(clientId);
    }

    @Override
    public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
      try {
        bothRead.await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return delegate.readAll(target, clientId);
    }

    @Override
    public ChangeRead readChanges(TargetDeclaration target, String clientId, long watermark) throws SQLException {
      return delegate.readChanges(target, clientId, watermark);
    }
  }
}
