package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.OpenReads;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.ForwardingVersionLedger;
import dev.storagebuilder.worker.testing.InMemorySqs;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import dev.storagebuilder.worker.testing.ManualScheduler;
import dev.storagebuilder.worker.testing.RecordingAcknowledger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MessageLoopTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final Duration VISIBILITY = Duration.ofSeconds(60);
  private static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null, 0);

  private final InMemoryObjectStore store = new InMemoryObjectStore();
  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  private final InMemoryRunLedger runs = new InMemoryRunLedger();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final RecordingAcknowledger acknowledger = new RecordingAcknowledger();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final LinkedBlockingQueue<ReceivedMessage> queue = new LinkedBlockingQueue<>();
  /** Reads wait here until a test opens it; an interrupt ends the wait with a connection error. */
  private final CountDownLatch sourceGate = new CountDownLatch(1);
  private final CountDownLatch readStarted = new CountDownLatch(1);
  private final AtomicInteger readsStarted = new AtomicInteger();
  /** When set, reads fail (once let through the gate) with a lost connection: a retryable failure. */
  private volatile boolean readsFail;
  /**
   * When set, a read waits for its connection to be aborted and heeds no interrupt: a read blocked
   * on the socket of a source that stopped answering.
   */
  private volatile boolean readsDeaf;
  private final CountDownLatch connectionsAborted = new CountDownLatch(1);
  /** The loop's view of the reads in progress: counts its calls and ends the deaf reads. */
  private final AtomicInteger abortCalls = new AtomicInteger();
  /** The threads whose reads a lost lease aborted (the target it ran). */
  private final List<Thread> readsAbortedOf = new CopyOnWriteArrayList<>();
  private final OpenReads openReads = new OpenReads() {
    @Override
    public int abortAll() {
      abortCalls.incrementAndGet();
      connectionsAborted.countDown();
      return 1;
    }

    @Override
    public int abortReadsOf(Thread reader) {
      readsAbortedOf.add(reader);
      connectionsAborted.countDown();
      return 1;
    }
  };
  /** The loop's and the processor's retry settings. */
  private ProcessingSettings processing = ProcessingSettings.defaults();
  /** When set, each read also takes one permit: a test lets targets finish one at a time. */
  private volatile Semaphore finishOneByOne;
  private Connection keepAlive;
  private SourceConfig config;
  private RowSource gatedSource;
  private MessageLoop loop;
  /** When set, the next receive call throws it: a bug that kills the receive thread. */
  private volatile Error receiveBug;
  /** How the processor records a success: at once, unless a test holds the write. */
  private SuccessRecorder successes = SuccessRecorder.direct(runs);
  /** Runs inside the batch read of version records (the prefetch of a received batch). */
  private volatile Runnable duringBatchRead = () -> {};
  /** Messages the loop has finished with (acknowledged, or handed on to be acknowledged). */
  private final List<String> finished = new CopyOnWriteArrayList<>();
  /** How each received message ended for the listener: {@code finished m1}, {@code released m2}. */
  private final List<String> ended = new CopyOnWriteArrayList<>();

  @BeforeEach
  void createSource() throws SQLException {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:loop" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY)");
      sql.execute("INSERT INTO clients VALUES ('acme')");
      sql.execute("CREATE TABLE items (client_id VARCHAR(64), id BIGINT, version BIGINT NOT NULL, PRIMARY KEY (client_id, id))");
      sql.execute("INSERT INTO items VALUES ('acme', 1, 1), ('acme', 2, 2)");
    }
    config = new SourceConfig(dataSource.getURL(), null, null, "SELECT client_id FROM clients", List.of(ITEMS));
    runs.createRun(new RunRecord("run-1", "all", SyncMode.FULL, "test", NOW, 1));
    JdbcRowSource jdbc = new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock);
    gatedSource =
        new RowSource() {
          @Override
          public boolean clientExists(String clientId) throws SQLException {
            return jdbc.clientExists(clientId);
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            readStarted.countDown();
            readsStarted.incrementAndGet();
            if (readsDeaf) {
              awaitUninterruptibly(connectionsAborted);
              throw new SQLTransientConnectionException("connection aborted", "08006");
            }
            try {
              sourceGate.await();
              Semaphore oneByOne = finishOneByOne;
              if (oneByOne != null) {
                oneByOne.acquire();
              }
            } catch (InterruptedException e) {
              throw new SQLTransientConnectionException("read interrupted", "08006");
            }
            if (readsFail) {
              throw new SQLTransientConnectionException("connection reset", "08006");
            }
            return jdbc.readAll(target, clientId);
          }
        };
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (latch.getCount() > 0) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @AfterEach
  void tearDown() throws SQLException {
    sourceGate.countDown();
    connectionsAborted.countDown();
    Semaphore oneByOne = finishOneByOne;
    if (oneByOne != null) {
      oneByOne.release(1000);
    }
    if (loop != null) {
      loop.stop();
    }
    keepAlive.close();
  }

  private MessageLoop loop(LoopSettings settings) {
    return loop(settings, Backpressure.NONE);
  }

  private MessageLoop loop(LoopSettings settings, Backpressure backpressure) {
    return loop(settings, backpressure, null);
  }

  /** With {@code batchSource} null: a source that returns one message per call from {@link #queue}. */
  private MessageLoop loop(LoopSettings settings, Backpressure backpressure, MessageSource batchSource) {
    return loop(settings, backpressure, batchSource, acknowledger);
  }

  private MessageLoop loop(
      LoopSettings settings, Backpressure backpressure, MessageSource batchSource, Acknowledger acknowledger) {
    SnapshotBuilder builder =
        new SnapshotBuilder(gatedSource, store, StorageLayout.withRandom("snapshots/", new Random(7)),
            SnapshotWriterOptions.defaults(), clock);
    VersionLedger batchReadVersions = new ForwardingVersionLedger(versions) {
      @Override
      public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
        duringBatchRead.run();
        return super.currentOf(targets);
      }
    };
    TargetProcessor processor =
        new TargetProcessor(config, builder, batchReadVersions, runs, new DefaultFailureClassifier(),
            processing, clock, "w-test", backpressure, SourceAdmission.UNLIMITED,
            MemoryBudget.UNLIMITED, successes);
    MessageSource source = batchSource != null ? batchSource :
        (max, wait) -> {
          if (receiveBug != null) {
            throw receiveBug;
          }
          try {
            ReceivedMessage next = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            return next == null ? List.of() : List.of(next);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
          }
        };
    loop = new MessageLoop(source, acknowledger, processor, new LeaseKeeper(acknowledger, scheduler, VISIBILITY, failure -> false, openReads),
        settings, processing, new MessageLoop.LoopListener() {
          @Override
          public void finished(ReceivedMessage message, Outcome outcome, Duration took) {
            finished.add(message.messageId());
            ended.add("finished " + message.messageId());
          }

          @Override
          public void released(ReceivedMessage message, String why) {
            ended.add("released " + message.messageId());
          }
        }, backpressure, openReads);
    return loop;
  }

  private static ReceivedMessage delivery(String id) {
    return delivery(id, "acme");
  }

  private static ReceivedMessage delivery(String id, String clientId) {
    String body = TargetMessageCodec.encode(TargetMessage.of("run-1", new TargetRef(clientId, "items"), SyncMode.FULL, NOW));
    return new ReceivedMessage(id, body, "handle-" + id, 1, Map.of(), NOW);
  }

  private void startWithOneRunningTarget(LoopSettings settings) throws InterruptedException {
    loop(settings).start();
    queue.add(delivery("m1"));
    assertThat(readStarted.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aTargetOutlivingTheVisibilityTimeoutKeepsItsMessageAndCommitsOnce() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)));

    scheduler.advance(VISIBILITY.multipliedBy(3));
    sourceGate.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> acknowledger.calls().contains("delete m1"));
    assertThat(acknowledger.calls()).containsExactly(
        "extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M",
        "delete m1");
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
  }

  @Test
  void aRetryDelayReachingPastTwelveHoursFromTheReceiptAsksOnlyForWhatIsLeftOfThem() throws Exception {
    // SQS refuses a visibility change past 12 h from the receipt: a retry asking for 2 h at 11 h
    // failed, and the message came back a visibility timeout later instead.
    processing = new ProcessingSettings(5, Duration.ofHours(2), Duration.ofHours(2));
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)));
    scheduler.advance(Duration.ofHours(11));

    readsFail = true;
    sourceGate.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> finished.contains("m1"));
    assertThat(acknowledger.calls()).last().isEqualTo("retry m1 PT59M");
  }

  /** Runs message m1 to its end, with its success handed over and held: the test completes the write. */
  private CompletableFuture<Void> finishM1WithItsSuccessHeld(List<RunLedger.Success> handed) {
    return finishM1WithItsSuccessHeld(handed, Backpressure.NONE);
  }

  private CompletableFuture<Void> finishM1WithItsSuccessHeld(List<RunLedger.Success> handed, Backpressure backpressure) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    successes = success -> {
      handed.add(success);
      return written;
    };
    sourceGate.countDown();
    loop(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)), backpressure).start();
    queue.add(delivery("m1"));
    await().atMost(Duration.ofSeconds(5)).until(() -> finished.contains("m1"));
    return written;
  }

  @Test
  void aDoneMessageIsDeletedOnlyOnceItsSuccessIsInTheRunLedger() {
    List<RunLedger.Success> handed = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> written = finishM1WithItsSuccessHeld(handed);

    assertThat(handed).singleElement().satisfies(s -> {
      assertThat(s.runId()).isEqualTo("run-1");
      assertThat(s.progress().target()).isEqualTo(new TargetRef("acme", "items"));
    });
    assertThat(acknowledger.calls()).doesNotContain("delete m1");

    written.complete(null);

    assertThat(acknowledger.calls()).contains("delete m1");
  }

  @Test
  void aSuccessTheRunLedgerDidNotTakePostponesItsMessageWithoutSpendingADelivery() {
    CompletableFuture<Void> written = finishM1WithItsSuccessHeld(new CopyOnWriteArrayList<>());

    written.completeExceptionally(new IllegalStateException("throttled"));

    assertThat(acknowledger.calls()).doesNotContain("delete m1")
        .contains("postpone m1 " + ProcessingSettings.defaults().retryDelay(1))
        .noneMatch(call -> call.startsWith("retry m1"));
  }

  @Test
  void aSuccessNotWrittenWhileADependencyIsDownWaitsOutTheBreakerUncounted() {
    Switch breaker = new Switch();
    CompletableFuture<Void> written = finishM1WithItsSuccessHeld(new CopyOnWriteArrayList<>(), breaker);
    breaker.paused = true;

    written.completeExceptionally(new IllegalStateException("dynamodb circuit breaker OPEN"));

    assertThat(acknowledger.calls()).contains("postpone m1 PT7S").doesNotContain("delete m1");
  }

  @Test
  void stopWaitsForSuccessesBeingWrittenAndFlushesTheirDeletes() throws Exception {
    CompletableFuture<Void> written = finishM1WithItsSuccessHeld(new CopyOnWriteArrayList<>());

    Thread stopping = Thread.ofPlatform().start(loop::stop);
    // Nothing runs, so without the wait the stop would be over in milliseconds.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(stopping::isAlive);
    assertThat(acknowledger.flushes()).isZero();
    written.complete(null);
    stopping.join(Duration.ofSeconds(5));

    assertThat(stopping.isAlive()).isFalse();
    assertThat(acknowledger.calls()).contains("delete m1");
    assertThat(acknowledger.flushes()).isEqualTo(1);
  }

  @Test
  void aFailedHeartbeatAbandonsTheTargetWithoutCommitOrAcknowledgement() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)));
    acknowledger.failExtendWhen(m -> true);

    scheduler.advance(VISIBILITY.dividedBy(2));

    await().atMost(Duration.ofSeconds(5)).until(() -> loop.inFlight() == 0);
    assertThat(acknowledger.calls()).containsExactly("extend-failed m1");
    assertThat(versions.all()).isEmpty();
  }

  /**
   * A lost lease interrupts its target, but no interrupt reaches a read blocked on a source that
   * stopped answering: the target held its thread and its source slot until the read timed out
   * (15 min by default), long after another worker had taken its message.
   */
  @Test
  void aLostLeaseAbortsItsTargetsSourceReadsSoTheTargetUnwindsAtOnce() throws Exception {
    readsDeaf = true;
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)));
    acknowledger.failExtendWhen(m -> true);

    scheduler.advance(VISIBILITY.dividedBy(2));

    await().atMost(Duration.ofSeconds(5)).until(() -> loop.inFlight() == 0);
    assertThat(readsAbortedOf).as("the reads of the one target that lost its lease")
        .singleElement().satisfies(thread -> assertThat(thread.getName()).startsWith("target-"));
    assertThat(abortCalls).as("no other target's reads").hasValue(0);
    assertThat(acknowledger.calls()).containsExactly("extend-failed m1");
    assertThat(ended).containsExactly("finished m1");
    assertThat(versions.all()).isEmpty();
  }

  @Test
  void aTargetThatFinishesAbortsNoReads() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)));

    sourceGate.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> finished.contains("m1"));
    assertThat(readsAbortedOf).isEmpty();
  }

  @Test
  void aMessageIsFirstExtendedHalfAVisibilityAfterItsReceiptHoweverLongItsBatchReadTook() throws SQLException {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("INSERT INTO clients VALUES ('beta')");
    }
    queue.add(delivery("m1"));
    queue.add(delivery("m2", "beta"));
    duringBatchRead = () -> scheduler.advance(Duration.ofSeconds(20)); // a throttled BatchGetItem
    loop(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofSeconds(2), 1),
        Backpressure.NONE, new BatchSource()).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> readsStarted.get() == 1);

    scheduler.advance(Duration.ofSeconds(10));

    assertThat(acknowledger.calls()).as("30 s after the receipt, 10 s after the target started")
        .contains("extend m1 PT1M");
  }

  @Test
  void receivesAheadOfAFreeSlotAndStartsTheWaitingTargetWhenOneFrees() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2), 1));
    queue.add(delivery("m2"));

    await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty);
    assertThat(loop.inFlight()).as("m2 is in hand, waiting for the slot m1 holds").isEqualTo(1);
    queue.add(delivery("m3"));
    // no room for m3 (one running, one waiting): it stays in the queue
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> queue.size() == 1);

    sourceGate.countDown();

    await().atMost(Duration.ofSeconds(10)).until(() -> acknowledger.calls().size() == 3);
    assertThat(acknowledger.calls()).containsExactlyInAnyOrder("delete m1", "delete m2", "delete m3");
  }

  @Test
  void aReceivedAheadMessageStillWaitingAfterHalfItsVisibilityIsHandedBackUnstartedWithoutSpendingADelivery()
      throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2), 1));
    queue.add(delivery("m2"));
    await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty);

    scheduler.advance(VISIBILITY.dividedBy(2));

    await().atMost(Duration.ofSeconds(5)).until(() -> acknowledger.calls().contains("postpone m2 PT0S"));
    assertThat(acknowledger.calls()).as("m1 kept, m2 handed back as a fresh copy while m1 still runs")
        .containsExactlyInAnyOrder("extend m1 PT1M", "postpone m2 PT0S");
    queue.add(delivery("m3"));
    await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty); // its slot is free again
    sourceGate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> acknowledger.calls().contains("delete m3"));
    assertThat(acknowledger.calls()).contains("delete m1").noneMatch(call -> call.startsWith("retry m2"));
    assertThat(finished).as("m2 never ran").containsExactlyInAnyOrder("m1", "m3");
  }

  @Test
  void aMessageThatOnlyEverWaitsBehindALongTargetIsNeverDeadLetteredByTheRedrivePolicy() throws SQLException {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("INSERT INTO clients VALUES ('beta')");
    }
    int maxReceiveCount = 3;
    InMemorySqs sqs = new InMemorySqs(VISIBILITY, maxReceiveCount, scheduler::nanoTime);
    sqs.send("m1", delivery("m1").body()); // holds the one thread until the gate opens
    sqs.send("m2", delivery("m2", "beta").body());
    loop(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2), 1),
        Backpressure.NONE, sqs, sqs).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> readsStarted.get() == 1);

    int handBacks = 2 * maxReceiveCount;
    for (int round = 1; round <= handBacks; round++) {
      await("m2 received again, its hand-back timer started next to m1's heartbeat").atMost(Duration.ofSeconds(5))
          .until(() -> sqs.isInFlight("m2") && scheduler.pending() == 2);
      scheduler.advance(VISIBILITY.dividedBy(2));
      int handedBack = round;
      await().atMost(Duration.ofSeconds(5))
          .until(() -> sqs.calls().stream().filter(call -> call.startsWith("postpone m2")).count() == handedBack);
    }

    assertThat(sqs.redriven()).isEmpty();
    assertThat(sqs.lapsed()).as("never left to wait out its visibility").isEmpty();
    assertThat(sqs.calls()).noneMatch(call -> call.startsWith("retry m2")).doesNotContain("extend-failed m1");
    sourceGate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> sqs.calls().contains("delete m2"));
    assertThat(sqs.redriven()).isEmpty();
  }

  @Test
  void aStopGivesBackAReceivedAheadMessageAtOnceWithoutRunningIt() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2), 1));
    queue.add(delivery("m2"));
    await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty);

    Thread stopper = Thread.ofPlatform().start(() -> assertThat(loop.stop()).isTrue());

    await().atMost(Duration.ofSeconds(5)).until(() -> acknowledger.calls().contains("retry m2 PT0S"));
    assertThat(acknowledger.calls()).as("m1 still running").doesNotContain("delete m1");
    sourceGate.countDown();
    stopper.join(10_000);
    assertThat(acknowledger.calls()).containsExactly("retry m2 PT0S", "delete m1");
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
  }

  @Test
  void livenessHoldsWhileReceivingAndEndsWithStop() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2)));
    assertThat(loop.isReceiving()).isTrue();

    sourceGate.countDown();
    assertThat(loop.stop()).isTrue();

    assertThat(loop.isReceiving()).isFalse();
  }

  @Test
  void livenessFailsWhenTheReceiveThreadDies() {
    loop(new LoopSettings(1, Duration.ofMillis(20), Duration.ofSeconds(5))).start();
    assertThat(loop.isReceiving()).isTrue();

    receiveBug = new AssertionError("a bug in the receive path");

    // the dying thread's error is the point here, not a failure of the test
    await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(5)).until(() -> !loop.isReceiving());
    assertThat(loop.isRunning()).as("nobody stopped it").isTrue();
  }

  @Test
  void stopLetsAnInFlightTargetFinishWithinTheGrace() throws Exception {
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2)));

    Thread stopper = Thread.ofPlatform().start(() -> assertThat(loop.stop()).isTrue());
    await().atMost(Duration.ofSeconds(5)).until(() -> !loop.isRunning());
    queue.add(delivery("m2")); // arrives after the stop: must not be received
    sourceGate.countDown();
    stopper.join(10_000);

    assertThat(stopper.isAlive()).isFalse();
    assertThat(acknowledger.calls()).containsExactly("delete m1");
    assertThat(acknowledger.flushes()).as("queued acknowledgements sent before the stop returns").isEqualTo(1);
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
    assertThat(queue).extracting(ReceivedMessage::messageId).containsExactly("m2");
    assertThat(abortCalls).as("nothing released, no read aborted").hasValue(0);
  }

  /**
   * A read blocked on a source that stopped answering heeds no interrupt: the target held its
   * thread, its source slot and the stop itself until the read timed out (15 min by default).
   */
  @Test
  void stopAbortsTheSourceReadsOfTheTargetsItReleasesSoTheyUnwindWithinTheGrace() throws Exception {
    readsDeaf = true;
    Duration grace = Duration.ofMillis(1500);
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), grace, Duration.ofMillis(1000)));

    long started = System.nanoTime();
    boolean stopped = loop.stop();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(abortCalls).as("the reads aborted once, at the release").hasValue(1);
    assertThat(loop.inFlight()).as("the released target unwound").isZero();
    assertThat(stopped).isTrue();
    assertThat(took).isLessThan(grace.plusMillis(500));
    assertThat(acknowledger.calls()).containsExactly("retry m1 PT0S");
    assertThat(ended).containsExactly("finished m1");
    assertThat(versions.all()).as("a released target never commits").isEmpty();
  }

  /**
   * On a queue that stopped answering each visibility change waits out the SDK's call timeout
   * (95 s): the stop released its running targets one after another from its own thread, and
   * outlasted ECS's stop timeout by a call timeout per target.
   */
  @Test
  void stopReleasingTargetsToAQueueThatStoppedAnsweringStillEndsWithTheGrace() throws Exception {
    CountDownLatch queueAnswers = new CountDownLatch(1);
    List<String> releasesTried = new CopyOnWriteArrayList<>();
    Acknowledger silentOnRelease = silentOnRelease(releasesTried, queueAnswers);
    Duration grace = Duration.ofMillis(1500);
    try {
      loop(new LoopSettings(2, Duration.ofMillis(50), grace, Duration.ofMillis(1000)), Backpressure.NONE, null,
          silentOnRelease).start();
      queue.add(delivery("m1"));
      queue.add(delivery("m2"));
      await().atMost(Duration.ofSeconds(5)).until(() -> readsStarted.get() == 2);

      AtomicBoolean stopped = new AtomicBoolean(true);
      long started = System.nanoTime();
      Thread stopping = Thread.ofPlatform().daemon(true).start(() -> stopped.set(loop.stop()));
      await().atMost(Duration.ofSeconds(10)).until(() -> !stopping.isAlive());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(took).isLessThan(grace.plusMillis(500));
      assertThat(releasesTried).as("both releases were tried, neither waited for the other")
          .containsExactlyInAnyOrder("m1", "m2");
      assertThat(stopped).as("not every target was released").isFalse();
      assertThat(loop.inFlight()).isZero();
    } finally {
      queueAnswers.countDown();
    }
  }

  /** {@link #acknowledger}, except that a visibility change is recorded and then waits for {@code answers}. */
  private Acknowledger silentOnRelease(List<String> tried, CountDownLatch answers) {
    return new Acknowledger() {
      @Override
      public void delete(ReceivedMessage message) {
        acknowledger.delete(message);
      }

      @Override
      public void retryAfter(ReceivedMessage message, Duration delay) {
        tried.add(message.messageId());
        awaitUninterruptibly(answers);
      }

      @Override
      public void extend(ReceivedMessage message, Duration visibility) {
        acknowledger.extend(message, visibility);
      }

      @Override
      public void deadLetter(ReceivedMessage message, String reasonCode, String detail) {
        acknowledger.deadLetter(message, reasonCode, detail);
      }

      @Override
      public void postpone(ReceivedMessage message, Duration delay) {
        acknowledger.postpone(message, delay);
      }
    };
  }

  /** As above, for the messages that wait for a thread: each used to be handed back after the one before. */
  @Test
  void stopGivingBackWaitingMessagesToAQueueThatStoppedAnsweringStillEndsWithTheGrace() throws Exception {
    CountDownLatch queueAnswers = new CountDownLatch(1);
    List<String> releasesTried = new CopyOnWriteArrayList<>();
    Duration grace = Duration.ofMillis(1500);
    try {
      loop(new LoopSettings(1, Duration.ofMillis(50), grace, Duration.ofMillis(1000), 2), Backpressure.NONE, null,
          silentOnRelease(releasesTried, queueAnswers)).start();
      queue.add(delivery("m1"));
      assertThat(readStarted.await(5, TimeUnit.SECONDS)).isTrue();
      queue.add(delivery("m2"));
      queue.add(delivery("m3"));
      await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty);

      long started = System.nanoTime();
      Thread stopping = Thread.ofPlatform().daemon(true).start(() -> loop.stop());
      await().atMost(Duration.ofSeconds(10)).until(() -> !stopping.isAlive());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(took).isLessThan(grace.plusMillis(500));
      assertThat(releasesTried).as("every hand-back was tried, none waited for another")
          .containsExactlyInAnyOrder("m1", "m2", "m3");
    } finally {
      queueAnswers.countDown();
    }
  }

  @Test
  void stopReleasesATargetThatWouldOutrunTheGraceBeforeTheGraceEnds() throws Exception {
    Duration grace = Duration.ofMillis(1500);
    startWithOneRunningTarget(new LoopSettings(1, Duration.ofMillis(50), grace, Duration.ofMillis(1000)));

    long started = System.nanoTime();
    boolean stopped = loop.stop();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(stopped).isTrue();
    assertThat(took).isLessThan(grace.plusMillis(500));
    assertThat(acknowledger.calls()).containsExactly("retry m1 PT0S");
    assertThat(versions.all()).as("a released target never commits").isEmpty();
    assertThat(loop.inFlight()).isZero();
  }

  @Test
  void everyReceivedMessageEndsExactlyOnceForTheListenerWhenAStopReleasesItRunningOrWaiting() throws Exception {
    startWithOneRunningTarget(
        new LoopSettings(1, Duration.ofMillis(50), Duration.ofMillis(1500), Duration.ofMillis(1000), 1));
    queue.add(delivery("m2"));
    await().atMost(Duration.ofSeconds(5)).until(queue::isEmpty);
    acknowledger.failRetryWhen(m -> m.messageId().equals("m2")); // it returns after its visibility timeout

    loop.stop();

    assertThat(acknowledger.calls()).containsExactlyInAnyOrder("retry-failed m2", "retry m1 PT0S");
    assertThat(ended).as("m1 was running: it ends when it unwinds, not when it is released")
        .containsExactlyInAnyOrder("released m2", "finished m1");
  }

  /** Returns up to {@code max} of the queued messages at once, like SQS; counts calls that return some. */
  private final class BatchSource implements MessageSource {
    final AtomicInteger callsWithMessages = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();

    @Override
    public List<ReceivedMessage> receive(int max, Duration wait) {
      List<ReceivedMessage> batch = new java.util.ArrayList<>();
      queue.drainTo(batch, max);
      if (batch.isEmpty()) {
        try {
          ReceivedMessage next = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
          if (next != null) {
            batch.add(next);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (!batch.isEmpty()) {
        callsWithMessages.incrementAndGet();
        received.addAndGet(batch.size());
      }
      return batch;
    }
  }

  @Test
  void whileReceivedAheadMessagesWaitFreedSlotsAreReceivedInBatchesWithoutLettingAThreadRunDry() throws SQLException {
    int targets = 20;
    int receiveAhead = 8;
    try (Statement sql = keepAlive.createStatement()) {
      for (int i = 1; i <= targets; i++) {
        sql.execute("INSERT INTO clients VALUES ('c" + i + "')");
        queue.add(delivery("m" + i, "c" + i)); // one target each: a repeated one is dropped as a duplicate
      }
    }
    finishOneByOne = new Semaphore(0);
    sourceGate.countDown();
    BatchSource source = new BatchSource();
    loop(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(2), receiveAhead),
        Backpressure.NONE, source).start();

    for (int k = 1; k <= targets; k++) {
      int started = k;
      await().atMost(Duration.ofSeconds(5)).until(() -> readsStarted.get() >= started);
      int next = Math.min(targets, k + 1);
      // the next message is in hand before the running target finishes: the thread never waits on a receive
      await().atMost(Duration.ofSeconds(5)).until(() -> source.received.get() >= next);
      finishOneByOne.release();
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> acknowledger.calls().size() == targets);
    assertThat(acknowledger.calls()).allMatch(call -> call.startsWith("delete "));
    // 1 + receive-ahead, then half the receive-ahead at a time: 9 + 4 + 4 + 3; one call per target without batching
    assertThat(source.callsWithMessages.get()).isLessThanOrEqualTo(targets / 3);
  }

  /** A switch a test flips to simulate an open source breaker. */
  private static final class Switch implements Backpressure {
    volatile boolean paused;

    @Override
    public boolean paused() {
      return paused;
    }

    @Override
    public String reason() {
      return "test switch";
    }

    @Override
    public Duration retryAfter() {
      return Duration.ofSeconds(7);
    }
  }

  @Test
  void whileADependencyIsDownNothingIsReceivedAndFailingTargetsArePostponedUncounted() throws Exception {
    Switch breaker = new Switch();
    loop(new LoopSettings(1, Duration.ofMillis(50), Duration.ofSeconds(5)), breaker).start();
    queue.add(delivery("m1"));
    assertThat(readStarted.await(5, TimeUnit.SECONDS)).isTrue();

    breaker.paused = true;
    queue.add(delivery("m2"));
    interruptTargetThreads(); // the running target's read fails as the breaker opens

    await().atMost(Duration.ofSeconds(5)).until(() -> acknowledger.calls().contains("postpone m1 PT7S"));
    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(queue).as("not received while paused").extracting(ReceivedMessage::messageId).containsExactly("m2");

    breaker.paused = false;
    sourceGate.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> acknowledger.calls().contains("delete m2"));
    assertThat(acknowledger.calls()).containsExactly("postpone m1 PT7S", "delete m2");
  }

  private static void interruptTargetThreads() {
    Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("target-"))
        .forEach(Thread::interrupt);
  }
}
