package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoSourceSlots;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.slots.SourceSlots;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.LeaseKeeper;
import dev.storagebuilder.worker.pipeline.LoopSettings;
import dev.storagebuilder.worker.pipeline.MemoryBudget;
import dev.storagebuilder.worker.pipeline.MessageLoop;
import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import dev.storagebuilder.worker.pipeline.Scheduler;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.SourceAdmission;
import dev.storagebuilder.worker.pipeline.SuccessRecorder;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.sqs.SqsAcknowledger;
import dev.storagebuilder.worker.sqs.SqsMessageSource;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two workers (each its own message loop, SDK clients, slot client and worker id, two targets at
 * once) on one queue and one DynamoDB (ElasticMQ and dynalite over HTTP): with a fleet-wide cap of
 * one, never more than one target reads the source at once, every target still succeeds and
 * nothing is dead-lettered. Without a cap the same harness sees readers overlap, so it can tell.
 */
class SourceConcurrencyCapIT {
  private static final int TARGETS = 10;
  private static final Duration VISIBILITY = Duration.ofSeconds(30);
  /** How long a read stays open waiting for company: the window in which an overlap would show. */
  private static final long READ_WINDOW_MILLIS = 300;
  private static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null, 0);
  private static final AtomicInteger RUNS = new AtomicInteger();

  private static EmbeddedAwsStack stack;
  private static JdbcDataSource dataSource;
  private static Connection keepAlive;

  @BeforeAll
  static void start() throws SQLException {
    stack = EmbeddedAwsStack.builder().start();
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:cap" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY)");
      sql.execute("CREATE TABLE items (client_id VARCHAR(64), id BIGINT, version BIGINT NOT NULL, PRIMARY KEY (client_id, id))");
      for (int c = 0; c < TARGETS; c++) {
        sql.execute("INSERT INTO clients VALUES ('c" + c + "')");
        sql.execute("INSERT INTO items VALUES ('c" + c + "', 1, 1), ('c" + c + "', 2, 2)");
      }
    }
  }

  @AfterAll
  static void stop() throws SQLException {
    keepAlive.close();
    stack.close();
  }

  @Test
  void aCapOfOneHoldsAcrossTwoWorkersAndEveryTargetStillSucceeds() throws Exception {
    Result result = runTargets(1);

    assertThat(result.mostReadersAtOnce()).as("most targets reading the source at once").isEqualTo(1);
    assertThat(result.succeeded()).isEqualTo(TARGETS);
    assertThat(result.deadLettered()).isZero();
    assertThat(result.postponed()).as("the workers did compete for the slot").isPositive();
    System.out.printf("cap 1: %s%n", result);
  }

  @Test
  void withoutACapTheSameWorkersReadConcurrently() throws Exception {
    Result result = runTargets(0);

    assertThat(result.mostReadersAtOnce()).as("the harness sees overlapping readers").isGreaterThan(1);
    assertThat(result.succeeded()).isEqualTo(TARGETS);
    assertThat(result.postponed()).isZero();
    System.out.printf("no cap: %s%n", result);
  }

  record Result(int mostReadersAtOnce, int succeeded, int deadLettered, int postponed, long millis) {}

  private Result runTargets(int cap) throws Exception {
    String name = "cap-" + RUNS.incrementAndGet();
    AwsSettings aws = EmbeddedAws.settings(stack, name);
    String runId = "run-" + name;
    ReaderCounter readers = new ReaderCounter();
    AtomicInteger postponed = new AtomicInteger();
    InMemoryObjectStore store = new InMemoryObjectStore();
    List<AwsClients> clients = new ArrayList<>();
    List<MessageLoop> loops = new ArrayList<>();
    ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor();
    long started = System.nanoTime();
    try (AwsClients setup = new AwsClients(aws)) {
      QueueProvisioner.QueueUrls queues =
          QueueProvisioner.ensureQueues(setup.sqs(), aws.queueName(), aws.dlqName(), 3, (int) VISIBILITY.toSeconds());
      LedgerTables.ensure(setup.dynamo(), aws);
      DynamoRunLedger runs = new DynamoRunLedger(setup.dynamo(), aws.runsTable());
      runs.createRun(new RunRecord(runId, "all", SyncMode.FULL, "test", Instant.now(), TARGETS));

      for (int w = 1; w <= 2; w++) {
        AwsClients own = new AwsClients(aws);
        clients.add(own);
        MessageLoop loop = worker("w-" + w, own, queues, cap, readers, store, postponed, heartbeat);
        loops.add(loop);
      }
      for (int c = 0; c < TARGETS; c++) {
        String body = TargetMessageCodec.encode(
            TargetMessage.of(runId, new TargetRef("c" + c, "items"), SyncMode.FULL, Instant.now()));
        setup.sqs().sendMessage(b -> b.queueUrl(queues.queueUrl()).messageBody(body));
      }
      loops.forEach(MessageLoop::start);

      RunStatus finished =
          await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
              .until(() -> runs.status(runId).orElseThrow(), RunStatus::isFinished);
      int deadLettered = Integer.parseInt(
          setup.sqs().getQueueAttributes(b -> b.queueUrl(queues.dlqUrl()).attributeNamesWithStrings("ApproximateNumberOfMessages"))
              .attributesAsStrings().get("ApproximateNumberOfMessages"));
      return new Result(readers.most.get(), finished.count(TargetState.SUCCEEDED),
          deadLettered + finished.count(TargetState.DEAD_LETTERED), postponed.get(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    } finally {
      loops.forEach(MessageLoop::stop);
      heartbeat.shutdownNow();
      clients.forEach(AwsClients::close);
    }
  }

  private MessageLoop worker(
      String workerId, AwsClients aws, QueueProvisioner.QueueUrls queues, int cap, ReaderCounter readers,
      InMemoryObjectStore store, AtomicInteger postponed, ScheduledExecutorService heartbeat) {
    Clock clock = Clock.systemUTC();
    AwsSettings settings = aws.settings();
    SourceConfig config = new SourceConfig(dataSource.getURL(), null, null, "SELECT client_id FROM clients", List.of(ITEMS));
    SnapshotBuilder builder =
        new SnapshotBuilder(readers.around(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock)), store,
            new StorageLayout("snapshots/", UUID::randomUUID), SnapshotWriterOptions.defaults(), clock);
    SourceSlots slots =
        cap == 0
            ? SourceSlots.UNLIMITED
            : new DynamoSourceSlots(aws.dynamo(), settings.runsTable(), "it-source", cap, VISIBILITY);
    DynamoRunLedger runs = new DynamoRunLedger(aws.dynamo(), settings.runsTable());
    TargetProcessor processor =
        new TargetProcessor(config, builder, new DynamoVersionLedger(aws.dynamo(), settings.versionsTable()),
            runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, workerId, Backpressure.NONE,
            new SourceAdmission(slots, Duration.ofSeconds(1), new SplittableRandom(workerId.hashCode())),
            MemoryBudget.UNLIMITED, SuccessRecorder.direct(runs));
    SqsAcknowledger acknowledger = new SqsAcknowledger(aws.sqs(), queues.queueUrl(), queues.dlqUrl());
    return new MessageLoop(
        new SqsMessageSource(aws.sqs(), queues.queueUrl(), VISIBILITY),
        acknowledger,
        processor,
        new LeaseKeeper(acknowledger, Scheduler.of(heartbeat), VISIBILITY),
        new LoopSettings(2, Duration.ofSeconds(1), Duration.ofSeconds(10)),
        ProcessingSettings.defaults(),
        new MessageLoop.LoopListener() {
          @Override
          public void finished(ReceivedMessage message, Outcome outcome, Duration took) {
            if (outcome instanceof Outcome.Postpone) {
              postponed.incrementAndGet();
            }
          }
        });
  }

  /**
   * Counts targets inside {@link RowSource#readAll} at once. Each read stays open until another
   * reader arrives or {@value #READ_WINDOW_MILLIS} ms pass, so an overlap the cap failed to prevent
   * cannot slip between two quick reads.
   */
  private static final class ReaderCounter {
    final AtomicInteger reading = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();

    RowSource around(RowSource source) {
      return new RowSource() {
        @Override
        public boolean clientExists(String clientId) throws SQLException {
          return source.clientExists(clientId);
        }

        @Override
        public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
          enter();
          try {
            return source.readAll(target, clientId);
          } finally {
            leave();
          }
        }
      };
    }

    private synchronized void enter() {
      int now = reading.incrementAndGet();
      most.accumulateAndGet(now, Math::max);
      notifyAll();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_WINDOW_MILLIS);
      try {
        while (reading.get() < 2) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            return;
          }
          wait(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void leave() {
      reading.decrementAndGet();
    }
  }
}
