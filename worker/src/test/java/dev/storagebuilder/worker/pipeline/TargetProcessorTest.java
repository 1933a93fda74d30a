package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.ForwardingVersionLedger;
import dev.storagebuilder.worker.testing.FakeSourceSlots;
import dev.storagebuilder.worker.testing.ManualScheduler;
import dev.storagebuilder.worker.testing.RecordingAcknowledger;
import dev.storagebuilder.worker.testing.ForwardingRunLedger;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.storagebuilder.worker.testing.ForwardingObjectStore;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.testing.SettableClock;
import java.util.function.Predicate;

class TargetProcessorTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("label", ColumnType.STRING, true),
              ColumnDeclaration.decimal("price", 10, 2, false),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null, 0);

  private final InMemoryObjectStore store = new InMemoryObjectStore();
  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  private final InMemoryRunLedger runs = new InMemoryRunLedger();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private JdbcDataSource dataSource;
  private Connection keepAlive;
  private SourceConfig config;

  @BeforeEach
  void createSource() throws SQLException {
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:processor" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY)");
      sql.execute("INSERT INTO clients VALUES ('acme'), ('globex')");
      sql.execute("CREATE TABLE items (client_id VARCHAR(64), id BIGINT, label VARCHAR(100), price DECIMAL(10,2) NOT NULL,"
          + " version BIGINT NOT NULL, PRIMARY KEY (client_id, id))");
      sql.execute("INSERT INTO items VALUES ('acme', 1, 'anvil', 10.50, 1), ('acme', 2, NULL, 0.99, 2),"
          + " ('acme', 3, 'ünïcödé ☃', 7.00, 3), ('globex', 1, 'other tenant', 1.00, 4)");
    }
    config = new SourceConfig(dataSource.getURL(), null, null, "SELECT client_id FROM clients", List.of(ITEMS));
    runs.createRun(new RunRecord("run-1", "all", SyncMode.FULL, "test", NOW, 1));
  }

  @AfterEach
  void dropSource() throws SQLException {
    keepAlive.close();
  }

  private TargetProcessor processor(RowSource source, ProcessingSettings settings) {
    SnapshotBuilder builder =
        new SnapshotBuilder(source, store, StorageLayout.withRandom("snapshots/", new Random(7)),
            SnapshotWriterOptions.defaults(), clock);
    return new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(), settings, clock, "w-test");
  }

  private TargetProcessor processor(RowSource source, SourceAdmission admission) {
    SnapshotBuilder builder =
        new SnapshotBuilder(source, store, StorageLayout.withRandom("snapshots/", new Random(7)),
            SnapshotWriterOptions.defaults(), clock);
    return new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test", Backpressure.NONE, admission, MemoryBudget.UNLIMITED,
        SuccessRecorder.direct(runs));
  }

  private static SourceAdmission admission(FakeSourceSlots slots) {
    return new SourceAdmission(slots, Duration.ofSeconds(5), new SplittableRandom(11));
  }

  /** The demo source, counting reads and running {@code during} inside each. */
  private RowSource countingSource(AtomicInteger reads, Runnable during) {
    JdbcRowSource delegate = new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock);
    return new RowSource() {
      @Override
      public boolean clientExists(String clientId) throws SQLException {
        reads.incrementAndGet();
        return delegate.clientExists(clientId);
      }

      @Override
      public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
        reads.incrementAndGet();
        during.run();
        return delegate.readAll(target, clientId);
      }
    };
  }

  /**
   * The demo source's full reads, each vouching for its rows (as a PostgreSQL primary's settled read
   * does) up to {@code watermark} applied to the read's own.
   */
  private RowSource vouchedReads(java.util.function.LongUnaryOperator watermark) {
    JdbcRowSource jdbc = new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock);
    return new RowSource() {
      @Override
      public boolean clientExists(String clientId) throws SQLException {
        return jdbc.clientExists(clientId);
      }

      @Override
      public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
        SourceRead read = jdbc.readAll(target, clientId);
        return new SourceRead() {
          @Override
          public java.sql.ResultSet rows() {
            return read.rows();
          }

          @Override
          public long watermark() {
            return watermark.applyAsLong(read.watermark());
          }

          @Override
          public boolean watermarkSettled() {
            return true;
          }

          @Override
          public void close() throws SQLException {
            read.close();
          }
        };
      }
    };
  }

  private TargetProcessor processor() {
    return processor(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), ProcessingSettings.defaults());
  }

  private static ReceivedMessage delivery(String body, int receiveCount) {
    return new ReceivedMessage("m-" + receiveCount, body, "handle", receiveCount, Map.of(), NOW);
  }

  private static String message(String client, String target) {
    return message("run-1", client, target, SyncMode.FULL);
  }

  private static String message(String runId, String client, String target, SyncMode mode) {
    return TargetMessageCodec.encode(TargetMessage.of(runId, new TargetRef(client, target), mode, NOW));
  }

  private TargetProcessor processor(RunLedger runLedger) {
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), store,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    return new TargetProcessor(config, builder, versions, runLedger, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
  }

  /** The test's run ledger, noting each target write the processor makes. */
  private RunLedger recordingRuns(List<String> writes) {
    return new ForwardingRunLedger(runs) {
      @Override
      public boolean markRunning(String runId, TargetRef target, String workerId) {
        writes.add("markRunning");
        return super.markRunning(runId, target, workerId);
      }

      @Override
      public void markOutcome(String runId, TargetProgress progress) {
        writes.add("markOutcome " + progress.state().wireName());
        super.markOutcome(runId, progress);
      }

      @Override
      public void markFinished(String runId, TargetProgress progress) {
        writes.add("markFinished " + progress.state().wireName());
        super.markFinished(runId, progress);
      }
    };
  }

  private List<List<Object>> snapshotRows(TargetRef ref) throws Exception {
    TargetVersion version = versions.current(ref).orElseThrow();
    List<List<Object>> rows = new ArrayList<>();
    try (CloseableIterator<Object[]> it =
        SnapshotReader.open(store, ManifestCodec.decode(store.get(version.manifestKey()))).rows()) {
      it.forEachRemaining(row -> rows.add(List.of(row[0], row[1] == null ? "<null>" : row[1], row[2], row[3])));
    }
    return rows;
  }

  @Test
  void fullSyncCommitsVersionOneHoldingExactlyTheClientsRows() throws Exception {
    Outcome outcome = processor().process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    TargetRef ref = new TargetRef("acme", "items");
    TargetVersion version = versions.current(ref).orElseThrow();
    assertThat(version.sequence()).isEqualTo(1);
    assertThat(version.watermark()).isEqualTo(3);
    assertThat(version.rowCount()).isEqualTo(3);
    assertThat(snapshotRows(ref))
        .containsExactlyInAnyOrder(
            List.of(1L, "anvil", new BigDecimal("10.50"), 1L),
            List.of(2L, "<null>", new BigDecimal("0.99"), 2L),
            List.of(3L, "ünïcödé ☃", new BigDecimal("7.00"), 3L));
    TargetProgress progress = runs.targets("run-1").get(0);
    assertThat(progress.state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(progress.rows()).isEqualTo(3);
    assertThat(progress.versionSequence()).isEqualTo(1);
    assertThat(runs.status("run-1").orElseThrow().state().wireName()).isEqualTo("succeeded");
  }

  @Test
  void aBaseBuildSplitsItsTimeBetweenDatabaseSerializeCompressAndUpload() {
    TargetProcessor processor = processor();
    long started = System.nanoTime();
    processor.process(delivery(message("acme", "items"), 1));
    long elapsed = System.nanoTime() - started;

    BuildSplit split = processor.lastBuilt().orElseThrow().split();
    // The read had to be opened and the manifest stored: both take time.
    assertThat(split.databaseNanos()).isPositive();
    assertThat(split.uploadNanos()).isPositive();
    assertThat(split.compressNanos()).isPositive();
    assertThat(split.serializeNanos()).isNotNegative();
    assertThat(split.databaseNanos() + split.serializeNanos() + split.compressNanos() + split.uploadNanos())
        .isLessThanOrEqualTo(elapsed);
    assertThat(split.toString()).matches("database:\\d+,serialize:\\d+,compress:\\d+,upload:\\d+");
  }

  @Test
  void aDuplicateDeliveryAfterSuccessIsDroppedWithoutASecondCommit() {
    TargetProcessor processor = processor();
    processor.process(delivery(message("acme", "items"), 1));
    int objects = store.list("").size();

    Outcome again = processor.process(delivery(message("acme", "items"), 2));

    assertThat(again).isInstanceOf(Outcome.Done.class);
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
    assertThat(store.list("")).hasSize(objects);
  }

  @Test
  void aShortTargetIsRecordedOnceWhenItEndsWithItsAttemptCounted() {
    TargetProcessor processor = processor();
    processor.process(delivery(message("acme", "items"), 1));
    runs.createRun(new RunRecord("run-2", "all", SyncMode.FULL, "test", NOW, 1));
    List<String> writes = new ArrayList<>();
    TargetProcessor recorded = processor(recordingRuns(writes));

    Outcome outcome = recorded.process(delivery(message("run-2", "acme", "items", SyncMode.INCREMENTAL), 1));

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    assertThat(writes).containsExactly("markFinished succeeded");
    TargetProgress entry = runs.targets("run-2").get(0);
    assertThat(entry.state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(entry.attempts()).isEqualTo(1);
    // Nothing changed since the full sync: its version record stands, and the entry points to it.
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
    assertThat(entry.versionSequence()).isEqualTo(1);
    assertThat(((Outcome.Done) outcome).summary()).isEqualTo("unchanged at sequence 1");
  }

  @Test
  void aSuccessGoesToTheRecorderAndTheMessageIsDoneOnceTheRecorderHasWrittenIt() {
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), store,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    List<RunLedger.Success> handed = new ArrayList<>();
    CompletableFuture<Void> written = new CompletableFuture<>();
    TargetProcessor processor = new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test", Backpressure.NONE, SourceAdmission.UNLIMITED,
        MemoryBudget.UNLIMITED, success -> {
          handed.add(success);
          return written;
        });

    Outcome outcome = processor.process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Done.class, done -> assertThat(done.recorded()).isSameAs(written));
    assertThat(handed).singleElement().satisfies(success -> {
      assertThat(success.runId()).isEqualTo("run-1");
      assertThat(success.markedRunning()).isFalse();
      assertThat(success.progress().target()).isEqualTo(new TargetRef("acme", "items"));
      assertThat(success.progress().rows()).isEqualTo(processor.lastBuilt().orElseThrow().rowsRead());
      assertThat(success.progress().versionSequence()).isEqualTo(1);
    });
    // The processor itself wrote nothing to the run ledger: the recorder does.
    assertThat(runs.targets("run-1")).isEmpty();
  }

  @Test
  void aSmallFirstBuildIsRecordedOnceWhenItEnds() {
    List<String> writes = new ArrayList<>();

    processor(recordingRuns(writes)).process(delivery(message("acme", "items"), 1));

    assertThat(writes).containsExactly("markFinished succeeded");
    assertThat(runs.targets("run-1").get(0).attempts()).isEqualTo(1);
  }

  @Test
  void aFirstBuildIsMarkedRunningOnceItHasReadMoreRowsThanAShortTargetHolds() throws SQLException {
    addClientWithRows("initech", TargetProcessor.SHORT_TARGET_ROWS + 2_000);
    List<String> writes = new ArrayList<>();

    Outcome outcome = processor(recordingRuns(writes)).process(delivery(message("initech", "items"), 1));

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    assertThat(writes).containsExactly("markRunning", "markOutcome succeeded");
    TargetProgress entry = runs.targets("run-1").get(0);
    assertThat(entry.attempts()).isEqualTo(1);
    assertThat(entry.rows()).isEqualTo(TargetProcessor.SHORT_TARGET_ROWS + 2_000);
  }

  @Test
  void aLongFirstBuildWhoseEntryAlreadySucceededStopsWithoutCommitting() throws SQLException {
    addClientWithRows("initech", TargetProcessor.SHORT_TARGET_ROWS + 2_000);
    RunLedger succeededElsewhere =
        new ForwardingRunLedger(runs) {
          @Override
          public boolean markRunning(String runId, TargetRef target, String workerId) {
            return false; // another delivery of this message finished first
          }
        };

    Outcome outcome = processor(succeededElsewhere).process(delivery(message("initech", "items"), 1));

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    assertThat(((Outcome.Done) outcome).summary()).contains("duplicate");
    assertThat(versions.history(new TargetRef("initech", "items"))).isEmpty();
    assertThat(store.list("")).as("the aborted upload left nothing").isEmpty();
  }

  private void addClientWithRows(String client, long rows) throws SQLException {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("INSERT INTO clients VALUES ('" + client + "')");
      sql.execute("INSERT INTO items SELECT '" + client + "', X, 'row ' || X, 1.25, X FROM SYSTEM_RANGE(1, " + rows + ")");
    }
  }

  @Test
  void aRedeliveryAfterTheOutcomeWasLostRecordsTheSuccessWithoutRebuilding() {
    AtomicInteger failuresLeft = new AtomicInteger(2); // the outcome and the failure record after it
    RunLedger flaky =
        new ForwardingRunLedger(runs) {
          @Override
          public void markOutcome(String runId, TargetProgress progress) {
            if (failuresLeft.getAndDecrement() > 0) {
              throw new UncheckedIOException(new IOException("ledger unavailable"));
            }
            super.markOutcome(runId, progress);
          }

          @Override
          public void markFinished(String runId, TargetProgress progress) {
            if (failuresLeft.getAndDecrement() > 0) {
              throw new UncheckedIOException(new IOException("ledger unavailable"));
            }
            super.markFinished(runId, progress);
          }
        };
    TargetProcessor processor = processor(flaky);
    // Committed, then the outcome write failed: a retryable failure, so the message comes back.
    assertThat(processor.process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.RetryLater.class);
    int objects = store.list("").size();

    Outcome again = processor.process(delivery(message("acme", "items"), 2));

    assertThat(again).isInstanceOfSatisfying(Outcome.Done.class, d -> assertThat(d.summary()).contains("duplicate"));
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
    assertThat(store.list("")).hasSize(objects);
    assertThat(runs.targets("run-1").get(0).state()).isEqualTo(TargetState.SUCCEEDED);
    assertThat(runs.targets("run-1").get(0).versionSequence()).isEqualTo(1);
  }

  @Test
  void aCommitLostToAConcurrentCommitCompletesAndLeavesTheWinnerInPlace() {
    TargetRef ref = new TargetRef("acme", "items");
    TargetVersion winner = new TargetVersion(ref, 1, 99, "snapshots/winner.json", 3, "0000000000000000", 0, "run-0", NOW);
    RowSource racing =
        new RowSource() {
          private final JdbcRowSource delegate = new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock);

          @Override
          public boolean clientExists(String clientId) throws SQLException {
            return delegate.clientExists(clientId);
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            versions.commit(winner, 0); // another worker commits while this one reads
            return delegate.readAll(target, clientId);
          }
        };

    Outcome outcome = processor(racing, ProcessingSettings.defaults()).process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
    assertThat(versions.current(ref)).contains(winner);
    assertThat(versions.history(ref)).hasSize(1);
  }

  @Test
  void aCommitReportedLostWhoseVersionIsCurrentKeepsItsObjectsAndCountsAsCommitted() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    // An ambiguous write: stored, but the answer says the condition failed (a retried request).
    VersionLedger storedButReportedLost = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        super.commit(next, expectedSequence);
        return false;
      }
    };

    Outcome outcome = processor(storedButReportedLost).process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 1"));
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-1");
    assertThat(snapshotRows(ref)).extracting(row -> row.get(0)).containsExactlyInAnyOrder(1L, 2L, 3L);
  }

  @Test
  void aFullSyncWhoseCommitLosesToAnotherRunsDeltaBuildsANewBaseWithoutTheRowsDeletedSince() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    // A delta read further than the full sync, on top of the base that still holds row 3.
    Outcome outcome = fullSyncAfterDeletingRow3LosingTo(
        base -> new TargetVersion(ref, 2, 99, "snapshots/delta-manifest.json", 3, base.contentChecksum(), 1,
            "run-inc", NOW));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 3"));
    assertThat(versions.current(ref).orElseThrow()).satisfies(v -> {
      assertThat(v.runId()).isEqualTo("run-full");
      assertThat(v.chainLength()).isZero();
      assertThat(v.watermark()).isEqualTo(99);
    });
    assertThat(snapshotRows(ref)).extracting(row -> row.get(0)).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void aFullSyncWhoseCommitLosesToAnUnchangedSyncOfTheOldBaseBuildsANewBase() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    // No deltas, but the old base's manifest with a moved watermark: no full read dropped row 3.
    Outcome outcome = fullSyncAfterDeletingRow3LosingTo(
        base -> new TargetVersion(ref, 2, 99, base.manifestKey(), base.rowCount(), base.contentChecksum(), 0,
            "run-inc", NOW, base.shape()));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 3"));
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-full");
    assertThat(snapshotRows(ref)).extracting(row -> row.get(0)).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void aFullSyncWhoseCommitLosesToAnIdleTargetsSweepOfTheOldBaseBuildsANewBase() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    // A manifest of its own, but the old base's files (and watermark moved): no full read dropped row 3.
    Outcome outcome = fullSyncAfterDeletingRow3LosingTo(
        base -> new TargetVersion(ref, 2, 99, "snapshots/swept-manifest.json", base.rowCount(),
            base.contentChecksum(), 0, "run-inc", NOW, base.shape()));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 3"));
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-full");
    assertThat(snapshotRows(ref)).extracting(row -> row.get(0)).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void aFullSyncWhoseCommitLosesToAnotherRunsBaseReadAsFarIsSuperseded() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    TargetVersion[] winner = new TargetVersion[1];
    Outcome outcome = fullSyncAfterDeletingRow3LosingTo(base -> winner[0] =
        new TargetVersion(ref, 2, 99, "snapshots/other-base.json", 2, base.contentChecksum(), 0, "run-other", NOW));

    assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
    assertThat(versions.current(ref)).contains(winner[0]);
  }

  /**
   * A settled watermark (PostgreSQL's) orders the changes it tracks, not deletes without a trace:
   * another run's full read that ended at the same watermark may have been the earlier one, and
   * still hold row 3, which this full read no longer found. Taken for a base read as far, it left
   * the run reporting the target done with row 3 in it until the next full sync.
   */
  @Test
  void aFullSyncWhoseCommitLosesToAnotherRunsBaseOfOtherRowsAtTheSameSettledWatermarkBuildsANewBase()
      throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    Outcome outcome = settledFullSyncAfterDeletingRow3LosingTo(
        lost -> new TargetVersion(ref, 2, lost.watermark(), "snapshots/other-base.json", 3, "0123456789abcdef", 0,
            "run-other", NOW));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 3"));
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-full");
    assertThat(snapshotRows(ref)).extracting(row -> row.get(0)).containsExactlyInAnyOrder(1L, 2L);
  }

  /** At the same settled watermark, a winner holding exactly the rows this full read found lacks nothing it saw. */
  @Test
  void aFullSyncWhoseCommitLosesToAnotherRunsBaseOfTheSameRowsAtTheSameSettledWatermarkIsSuperseded()
      throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    TargetVersion[] winner = new TargetVersion[1];
    Outcome outcome = settledFullSyncAfterDeletingRow3LosingTo(lost -> winner[0] =
        new TargetVersion(ref, 2, lost.watermark(), "snapshots/other-base.json", lost.rowCount(),
            lost.contentChecksum(), 0, "run-other", NOW));

    assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
    assertThat(versions.current(ref)).contains(winner[0]);
  }

  /**
   * Like {@link #fullSyncAfterDeletingRow3LosingTo}, over a source whose reads settle (as
   * PostgreSQL's do), and {@code winner} is given the version that lost.
   */
  private Outcome settledFullSyncAfterDeletingRow3LosingTo(java.util.function.UnaryOperator<TargetVersion> winner)
      throws SQLException {
    return fullSyncAfterDeletingRow3LosingTo(
        vouchedReads(java.util.function.LongUnaryOperator.identity()), (base, lost) -> winner.apply(lost));
  }

  /**
   * Commits acme's base, deletes row 3 without a trace (the target tracks no deletes), then runs a
   * full sync of run "run-full" whose first commit loses to {@code winner} (given the base).
   */
  private Outcome fullSyncAfterDeletingRow3LosingTo(java.util.function.UnaryOperator<TargetVersion> winner)
      throws SQLException {
    return fullSyncAfterDeletingRow3LosingTo(
        new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), (base, lost) -> winner.apply(base));
  }

  /** The full sync over {@code source}; {@code winner} is given the base and the version that lost. */
  private Outcome fullSyncAfterDeletingRow3LosingTo(
      RowSource source, java.util.function.BinaryOperator<TargetVersion> winner) throws SQLException {
    assertThat(processor().process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.Done.class);
    TargetVersion base = versions.current(new TargetRef("acme", "items")).orElseThrow();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("DELETE FROM items WHERE client_id = 'acme' AND id = 3");
    }
    runs.createRun(new RunRecord("run-full", "all", SyncMode.FULL, "test", NOW, 1));
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      boolean first = true;

      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        if (first) {
          first = false;
          assertThat(super.commit(winner.apply(base, next), expectedSequence)).isTrue();
        }
        return super.commit(next, expectedSequence);
      }
    };
    SnapshotBuilder builder = new SnapshotBuilder(source, store, StorageLayout.withRandom("snapshots/", new Random(7)),
        SnapshotWriterOptions.defaults(), clock);
    return new TargetProcessor(config, builder, racing, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test")
        .process(delivery(message("run-full", "acme", "items", SyncMode.FULL), 1));
  }

  /**
   * A losing attempt built its manifest from the same previous version as the winner, so it found
   * the same retired objects due; deleting them is the winner's call (its manifest is the one
   * readers get), never the loser's.
   */
  @Test
  void aBuildWhoseCommitLosesDeletesNoRetiredObjectWhoseGraceIsOver() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    AtomicInteger deleted = new AtomicInteger();
    RetiredObjectDeletions counting = new CountingDeletions(deleted);
    java.util.function.Function<VersionLedger, TargetProcessor> zeroGrace = ledger -> new TargetProcessor(config,
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), store,
            StorageLayout.withRandom("snapshots/", new Random(ledger.hashCode())), SnapshotWriterOptions.defaults(),
            new SnapshotBuilder.Upkeep(CompactionPolicy.defaults(), Duration.ZERO, counting, OrphanSweeps.NONE), clock),
        ledger, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");
    assertThat(zeroGrace.apply(versions).process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.Done.class);
    TargetVersion first = versions.current(ref).orElseThrow();
    Set<String> firstObjects = new java.util.HashSet<>(ManifestCodec.decode(store.get(first.manifestKey())).storedKeys());
    firstObjects.add(first.manifestKey());
    runs.createRun(new RunRecord("run-2", "all", SyncMode.FULL, "test", NOW, 1));
    assertThat(zeroGrace.apply(versions).process(delivery(message("run-2", "acme", "items", SyncMode.FULL), 1)))
        .isEqualTo(new Outcome.Done("committed sequence 2"));
    TargetVersion second = versions.current(ref).orElseThrow();
    assertThat(store.list("snapshots/")).as("retired by the second version, due at the next commit").containsAll(firstObjects);

    // Another run's base, read further, commits first: this attempt is superseded (H2 does not
    // settle, so a winner at the same watermark would not count as having read as far).
    TargetVersion winner =
        new TargetVersion(ref, 3, second.watermark() + 1, "snapshots/other-base.json", 3, second.contentChecksum(), 0,
            "run-other", NOW);
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        assertThat(super.commit(winner, expectedSequence)).isTrue();
        return super.commit(next, expectedSequence);
      }
    };
    runs.createRun(new RunRecord("run-3", "all", SyncMode.FULL, "test", NOW, 1));
    assertThat(zeroGrace.apply(racing).process(delivery(message("run-3", "acme", "items", SyncMode.FULL), 1)))
        .isEqualTo(new Outcome.Done("superseded"));

    assertThat(store.list("snapshots/")).as("the loser deleted none of them").containsAll(firstObjects);
    assertThat(deleted).hasValue(0);
  }

  @Test
  void aSweepWhoseListingFailsCostsTheSweepNotTheCommit() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    AtomicInteger listings = new AtomicInteger();
    // S3 down for LIST only, or a role without s3:ListBucket.
    ObjectStore unlistable = new ForwardingObjectStore(store) {
      @Override
      public List<String> list(String prefix) throws IOException {
        listings.incrementAndGet();
        throw new IOException("Access Denied (test)");
      }

      @Override
      public List<ListedObject> listObjects(String prefix) throws IOException {
        listings.incrementAndGet();
        throw new IOException("Access Denied (test)");
      }

      @Override
      public void forEachObject(String prefix, Predicate<ListedObject> visitor) throws IOException {
        listings.incrementAndGet();
        throw new IOException("Access Denied (test)");
      }
    };
    CountedSweeps sweeps = new CountedSweeps();
    // A sweep at every sequence.
    TargetProcessor processor = new TargetProcessor(config,
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), unlistable,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            new SnapshotBuilder.Upkeep(
                CompactionPolicy.defaults(), Duration.ofHours(6), RetiredObjectDeletions.NONE, sweeps,
                new OrphanSweep(1, 1000)), clock),
        versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");
    assertThat(processor.process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.Done.class);
    TargetVersion first = versions.current(ref).orElseThrow();
    Set<String> firstObjects = new java.util.HashSet<>(ManifestCodec.decode(store.get(first.manifestKey())).storedKeys());
    firstObjects.add(first.manifestKey());
    assertThat(listings).as("a first version replaces no manifest: nothing to sweep").hasValue(0);

    runs.createRun(new RunRecord("run-2", "all", SyncMode.FULL, "test", NOW, 1));
    assertThat(processor.process(delivery(message("run-2", "acme", "items", SyncMode.FULL), 1)))
        .isEqualTo(new Outcome.Done("committed sequence 2"));

    assertThat(listings).hasValue(1);
    assertThat(sweeps.failed).as("the failed listing is counted").hasValue(1);
    assertThat(sweeps.listed).hasValue(0);
    TargetVersion second = versions.current(ref).orElseThrow();
    assertThat(ManifestCodec.decode(store.get(second.manifestKey())).retired())
        .as("what the replaced version referenced is retired as always")
        .extracting(dev.storagebuilder.common.snapshot.RetiredObject::key)
        .containsExactlyInAnyOrderElementsOf(firstObjects);
  }

  /**
   * Every sweep lists (and is counted), but what it retires counts only once a commit made it so: an
   * attempt whose commit loses wrote a manifest no one reads, and its rebuild sweeps again.
   */
  @Test
  void sweptLeftoversAreCountedByTheAttemptThatCommitsNotByOneWhoseCommitLost() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    // Every object reads as a month old.
    InMemoryObjectStore aged = new InMemoryObjectStore(Clock.fixed(NOW.minus(Duration.ofDays(30)), ZoneOffset.UTC));
    StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(3));
    List<String> leftovers = List.of(names.manifestKey(ref, 901), names.baseKey(ref, 902), names.deltaKey(ref, 903));
    for (String key : leftovers) {
      aged.put(key, new byte[] {1}, "application/octet-stream");
    }
    CountedSweeps sweeps = new CountedSweeps();
    java.util.function.Function<VersionLedger, TargetProcessor> sweepingEveryBuild = ledger -> new TargetProcessor(
        config,
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), aged,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            new SnapshotBuilder.Upkeep(
                CompactionPolicy.defaults(), Duration.ofHours(6), RetiredObjectDeletions.NONE, sweeps,
                new OrphanSweep(1, 1000)), clock),
        ledger, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");
    assertThat(sweepingEveryBuild.apply(versions).process(delivery(message("acme", "items"), 1)))
        .isInstanceOf(Outcome.Done.class);
    TargetVersion first = versions.current(ref).orElseThrow();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("DELETE FROM items WHERE client_id = 'acme' AND id = 3"); // without a trace
    }
    // Another run moves the watermark first: no base read (row 3 is still in it), so this full sync
    // builds again on top of it.
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      private boolean raced;

      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        if (!raced) {
          raced = true;
          assertThat(super.commit(new TargetVersion(ref, 2, first.watermark() + 1, first.manifestKey(),
              first.rowCount(), first.contentChecksum(), 0, "run-other", NOW), expectedSequence)).isTrue();
        }
        return super.commit(next, expectedSequence);
      }
    };
    runs.createRun(new RunRecord("run-2", "all", SyncMode.FULL, "test", NOW, 1));

    assertThat(sweepingEveryBuild.apply(racing).process(delivery(message("run-2", "acme", "items", SyncMode.FULL), 1)))
        .isEqualTo(new Outcome.Done("committed sequence 3"));

    assertThat(sweeps.listed).as("the lost attempt's sweep and its rebuild's").hasValue(2);
    assertThat(ManifestCodec.decode(aged.get(versions.current(ref).orElseThrow().manifestKey())).retired())
        .extracting(dev.storagebuilder.common.snapshot.RetiredObject::key).containsAll(leftovers);
    assertThat(sweeps.retired).as("the leftovers, once").hasValue(leftovers.size());
    assertThat(sweeps.failed).hasValue(0);
  }

  /**
   * An idle target's sweep commits like any build: when another run commits first, the manifest it
   * stored is deleted, the objects due stay for the winner's manifest to decide, and its leftovers
   * count as retired by no one.
   */
  @Test
  void anIdleTargetsSweepWhoseCommitLosesLeavesNoManifestAndDeletesNothing() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    InMemoryObjectStore aged = new InMemoryObjectStore(Clock.fixed(NOW.minus(Duration.ofDays(30)), ZoneOffset.UTC));
    String leftover = StorageLayout.withRandom("snapshots/", new Random(3)).baseKey(ref, 900);
    aged.put(leftover, new byte[] {1}, "application/octet-stream");
    SettableClock worker = new SettableClock(NOW);
    AtomicInteger deleted = new AtomicInteger();
    RetiredObjectDeletions counting = new CountingDeletions(deleted);
    CountedSweeps sweeps = new CountedSweeps();
    SnapshotBuilder builder = new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, worker),
        aged, StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
        new SnapshotBuilder.Upkeep(
            CompactionPolicy.defaults(), Duration.ofHours(6), counting, sweeps, OrphanSweep.DEFAULT), worker);
    java.util.function.Function<VersionLedger, TargetProcessor> processor = ledger -> new TargetProcessor(config,
        builder, ledger, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), worker, "w-test");
    assertThat(processor.apply(versions).process(delivery(message("acme", "items"), 1)))
        .isInstanceOf(Outcome.Done.class);
    runs.createRun(new RunRecord("run-2", "all", SyncMode.FULL, "test", NOW, 1));
    assertThat(processor.apply(versions).process(delivery(message("run-2", "acme", "items", SyncMode.FULL), 1)))
        .isEqualTo(new Outcome.Done("committed sequence 2"));
    TargetVersion second = versions.current(ref).orElseThrow();
    List<String> before = aged.list("snapshots/");
    worker.set(NOW.plus(Duration.ofHours(6))); // idle for the grace: the first version's objects are due
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        // Another run moves the watermark first.
        assertThat(super.commit(new TargetVersion(ref, 3, second.watermark() + 1, second.manifestKey(),
            second.rowCount(), second.contentChecksum(), 0, "run-other", NOW, second.shape()), expectedSequence))
            .isTrue();
        return super.commit(next, expectedSequence);
      }
    };
    runs.createRun(new RunRecord("run-3", "all", SyncMode.INCREMENTAL, "test", NOW, 1));

    Outcome outcome =
        processor.apply(racing).process(delivery(message("run-3", "acme", "items", SyncMode.INCREMENTAL), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
    assertThat(sweeps.listed).as("it swept").hasValue(1);
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-other");
    assertThat(aged.list("snapshots/")).as("its manifest deleted, nothing else").containsExactlyInAnyOrderElementsOf(before);
    assertThat(deleted).hasValue(0);
    assertThat(sweeps.retired).hasValue(0);
  }

  /** Counts what {@link OrphanSweeps} is told. */
  private static final class CountedSweeps implements OrphanSweeps {
    final AtomicInteger listed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger retired = new AtomicInteger();

    @Override
    public void listed() {
      listed.incrementAndGet();
    }

    @Override
    public void listingFailed() {
      failed.incrementAndGet();
    }

    @Override
    public void retired(int objects) {
      retired.addAndGet(objects);
    }
  }

  /**
   * Sweeps come every few sequences, the objects they retire stay listed for the whole grace: a
   * target with more leftovers than one sweep takes must not have every sweep within the grace add
   * its batch to the same list (a manifest of thousands of entries, read and rewritten each commit).
   */
  @Test
  void sweepsWithinTheGraceListNoMoreLeftoversThanOneSweepMayRetire() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    int maxSwept = 5;
    // Every object reads as a month old; the worker's clock moves on.
    InMemoryObjectStore aged = new InMemoryObjectStore(Clock.fixed(NOW.minus(Duration.ofDays(30)), ZoneOffset.UTC));
    SettableClock worker = new SettableClock(NOW);
    StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(3));
    Set<String> leftovers = new java.util.TreeSet<>();
    for (int sequence = 1; sequence <= 4 * maxSwept; sequence++) {
      leftovers.add(names.manifestKey(ref, sequence)); // as a release before retired lists left them
    }
    for (String key : leftovers) {
      aged.put(key, new byte[] {1}, "application/json");
    }
    TargetProcessor processor = new TargetProcessor(config,
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, worker), aged,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            new SnapshotBuilder.Upkeep(
                CompactionPolicy.defaults(), Duration.ofHours(6), RetiredObjectDeletions.NONE, OrphanSweeps.NONE,
                new OrphanSweep(1, maxSwept)), worker),
        versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), worker, "w-test");
    java.util.function.IntFunction<List<String>> sync = run -> {
      runs.createRun(new RunRecord("run-s" + run, "all", SyncMode.FULL, "test", NOW, 1));
      assertThat(processor.process(delivery(message("run-s" + run, "acme", "items", SyncMode.FULL), 1)))
          .isInstanceOf(Outcome.Done.class);
      try {
        return ManifestCodec.decode(aged.get(versions.current(ref).orElseThrow().manifestKey())).retired().stream()
            .map(dev.storagebuilder.common.snapshot.RetiredObject::key).filter(leftovers::contains).toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    sync.apply(1);

    // Every build sweeps (interval 1), all within the grace.
    for (int run = 2; run <= 4; run++) {
      assertThat(sync.apply(run)).as("leftovers listed as retired after build " + run).hasSizeLessThanOrEqualTo(maxSwept);
    }
    assertThat(sync.apply(5)).as("the sweeps still retire leftovers").isNotEmpty();

    // Past the grace the commit deletes what the sweeps retired, and the next batch is retired.
    List<String> firstBatch = sync.apply(6);
    worker.set(NOW.plus(Duration.ofHours(6)).plusSeconds(1));
    List<String> secondBatch = sync.apply(7);
    assertThat(aged.list("snapshots/")).as("deleted after the grace").doesNotContainAnyElementsOf(firstBatch);
    assertThat(secondBatch).isNotEmpty().hasSizeLessThanOrEqualTo(maxSwept).doesNotContainAnyElementsOf(firstBatch);
  }

  /**
   * A sweep's batch of due objects was deleted one DeleteObject request each, up to a thousand
   * requests in a row after the commit; S3's DeleteObjects takes 1,000 keys a request. A key S3
   * refuses within an answered request is a failed delete like any other, not lost in the answer.
   */
  @Test
  void dueRetiredObjectsAreDeletedAThousandKeysARequestAndKeysTheStoreRefusesCountAsFailed() throws Exception {
    TargetRef ref = new TargetRef("acme", "items");
    int leftoverCount = 1_500;
    InMemoryObjectStore aged = new InMemoryObjectStore(Clock.fixed(NOW.minus(Duration.ofDays(30)), ZoneOffset.UTC));
    SettableClock worker = new SettableClock(NOW);
    StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(3));
    List<String> leftovers = new ArrayList<>();
    for (int sequence = 1; sequence <= leftoverCount; sequence++) {
      leftovers.add(names.manifestKey(ref, 10_000 + sequence));
    }
    for (String key : leftovers) {
      aged.put(key, new byte[] {1}, "application/json");
    }
    String refused = leftovers.get(leftoverCount / 2);
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    AtomicInteger singleDeletes = new AtomicInteger();
    ObjectStore batching = new ForwardingObjectStore(aged) {
      @Override
      public void delete(String key) throws IOException {
        singleDeletes.incrementAndGet();
        super.delete(key);
      }

      @Override
      public List<FailedDelete> deleteAll(Collection<String> keys) throws IOException {
        batchSizes.add(keys.size());
        List<String> deletable = keys.stream().filter(key -> !key.equals(refused)).toList();
        super.deleteAll(deletable);
        return keys.contains(refused) ? List.of(new FailedDelete(refused, "AccessDenied: Access Denied")) : List.of();
      }
    };
    AtomicInteger deleted = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    RetiredObjectDeletions counted = new CountingDeletions(deleted, failed);
    TargetProcessor processor = new TargetProcessor(config,
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, worker), batching,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            new SnapshotBuilder.Upkeep(
                CompactionPolicy.defaults(), Duration.ofHours(6), counted, OrphanSweeps.NONE,
                new OrphanSweep(1, leftoverCount)), worker),
        versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), worker, "w-test");
    java.util.function.IntConsumer sync = run -> {
      runs.createRun(new RunRecord("run-d" + run, "all", SyncMode.FULL, "test", NOW, 1));
      assertThat(processor.process(delivery(message("run-d" + run, "acme", "items", SyncMode.FULL), 1)))
          .isInstanceOf(Outcome.Done.class);
    };
    sync.accept(1);
    sync.accept(2); // the first build's sweep retires them all
    assertThat(aged.list("snapshots/")).as("retired, within the grace").containsAll(leftovers);
    singleDeletes.set(0);
    batchSizes.clear();

    worker.set(NOW.plus(Duration.ofHours(6)).plusSeconds(1));
    sync.accept(3);

    int due = batchSizes.stream().mapToInt(Integer::intValue).sum();
    assertThat(singleDeletes).as("no DeleteObject a key").hasValue(0);
    assertThat(due).as("the sweep retired more than one request takes").isGreaterThan(ObjectStore.MAX_KEYS_PER_DELETE);
    assertThat(batchSizes).containsExactly(ObjectStore.MAX_KEYS_PER_DELETE, due - ObjectStore.MAX_KEYS_PER_DELETE);
    assertThat(failed).as("the refused key").hasValue(1);
    assertThat(deleted).hasValue(due - 1);
    List<String> left = aged.list("snapshots/");
    assertThat(left).contains(refused);
    assertThat(leftovers.stream().filter(key -> !left.contains(key)).count()).as("leftovers deleted")
        .isGreaterThan(ObjectStore.MAX_KEYS_PER_DELETE);
  }


  @Test
  void aBuildThatReadRowsAboveItsWatermarkBuildsAgainWhenItLosesToAVersionReadUpToLessThanThoseRows() {
    TargetRef ref = new TargetRef("acme", "items");
    // Like a PostgreSQL read that could not settle: acme's rows (versions 1-3), vouched for up to nothing.
    RowSource unsettled = vouchedReads(watermark -> 0);
    // Another run's base, read up to version 2: not the row of version 3 this build read.
    TargetVersion winner = new TargetVersion(ref, 1, 2, "snapshots/other.json", 2, "0000000000000000", 0, "run-0", NOW);
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        if (expectedSequence == 0) {
          super.commit(winner, 0);
        }
        return super.commit(next, expectedSequence);
      }
    };
    SnapshotBuilder builder = new SnapshotBuilder(unsettled, store, StorageLayout.withRandom("snapshots/", new Random(7)),
        SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, racing, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");

    Outcome outcome = processor.process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 2"));
    assertThat(versions.current(ref).orElseThrow().runId()).isEqualTo("run-1");
    assertThat(processor.lastBuilt().orElseThrow().highestVersionRead()).isEqualTo(3);
  }

  @Test
  void aBuildWhoseCommitsKeepLosingToVersionsThatReadLessIsBuiltAgainThenPostponed() {
    TargetRef ref = new TargetRef("acme", "items");
    // Before each commit of this worker, another run commits a version read up to watermark 0:
    // older than anything this worker's read of acme's rows sees.
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        super.commit(new TargetVersion(ref, expectedSequence + 1, 0, "snapshots/other-" + expectedSequence + ".json", 0,
            "0000000000000000", 0, "run-other", NOW), expectedSequence);
        return super.commit(next, expectedSequence);
      }
    };
    AtomicInteger reads = new AtomicInteger();
    SnapshotBuilder builder =
        new SnapshotBuilder(countingSource(reads, () -> {}), store, StorageLayout.withRandom("snapshots/", new Random(7)),
            SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, racing, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");

    Outcome outcome = processor.process(delivery(message("acme", "items"), 2));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Postpone.class,
        p -> assertThat(p.delay()).isEqualTo(ProcessingSettings.defaults().retryDelay(2)));
    // The client check, then one read of the rows per build, each on top of the version that beat the last.
    assertThat(reads).hasValue(1 + TargetProcessor.MAX_BUILDS);
    assertThat(versions.history(ref)).extracting(TargetVersion::runId).containsOnly("run-other")
        .hasSize(TargetProcessor.MAX_BUILDS);
    assertThat(store.list("snapshots/")).isEmpty();
  }

  /** Rows enough that acme's base stores its key index sidecar instead of inlining it in the manifest. */
  private void addRowsForAStoredSidecar() throws SQLException {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("INSERT INTO items SELECT 'acme', X, 'bulk ' || X, 1.00, X FROM SYSTEM_RANGE(10, 1009)");
    }
  }

  /**
   * The store, except that a key index sidecar is stored only once {@code release} opens (and
   * fails if it does not open within 10 s); {@code events} notes when it is stored, {@code uploader}
   * the thread that stores it.
   */
  private ObjectStore sidecarGate(
      java.util.concurrent.CountDownLatch release, List<String> events, AtomicReference<Thread> uploader) {
    return new ForwardingObjectStore(store) {
      @Override
      public void put(String key, byte[] content, String contentType) throws IOException {
        if (key.endsWith(".keys")) {
          uploader.set(Thread.currentThread());
          awaitRelease();
          events.add("sidecar stored");
        }
        store.put(key, content, contentType);
      }

      private void awaitRelease() throws IOException {
        try {
          if (!release.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IOException("the sidecar's gate never opened");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted at the sidecar's gate");
        }
      }
    };
  }

  @Test
  void aBaseIsCommittedWithoutWaitingForItsKeyIndexSidecarAndFinishedOnlyOnceItIsStored() throws Exception {
    addRowsForAStoredSidecar();
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.CountDownLatch committed = new java.util.concurrent.CountDownLatch(1);
    VersionLedger committing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        boolean won = super.commit(next, expectedSequence);
        events.add("commit");
        committed.countDown(); // the sidecar may go up only now: a commit waiting for it would never come
        return won;
      }
    };
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock),
            sidecarGate(committed, events, new AtomicReference<>()),
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, committing, recordingRuns(events),
        new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");

    Outcome outcome = processor.process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 1"));
    assertThat(events).containsExactly("commit", "sidecar stored", "markFinished succeeded");
    TargetVersion version = versions.current(new TargetRef("acme", "items")).orElseThrow();
    String sidecar = ManifestCodec.decode(store.get(version.manifestKey())).objects().get(0).keyIndex();
    assertThat(store.get(sidecar)).hasSize((int) dev.storagebuilder.common.snapshot.KeyIndex.sidecarBytes(1_003));
  }

  @Test
  void aSidecarThatCannotBeStoredFailsNeitherTheCommittedVersionNorTheMessage() throws Exception {
    addRowsForAStoredSidecar();
    store.failPuts(key -> key.endsWith(".keys"));

    Outcome outcome = processor().process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isEqualTo(new Outcome.Done("committed sequence 1"));
    TargetVersion version = versions.current(new TargetRef("acme", "items")).orElseThrow();
    assertThat(version.rowCount()).isEqualTo(1_003);
    assertThat(store.keys()).contains(version.manifestKey()).noneMatch(key -> key.endsWith(".keys"));
    assertThat(runs.targets("run-1")).singleElement()
        .satisfies(progress -> assertThat(progress.state()).isEqualTo(TargetState.SUCCEEDED));
  }

  @Test
  void aBaseThatLosesItsCommitStopsItsSidecarAndLeavesNoObjectBehind() throws Exception {
    addRowsForAStoredSidecar();
    TargetRef ref = new TargetRef("acme", "items");
    // Read as far as this worker's read (versions up to 1009) or further: nothing to build again.
    TargetVersion winner = new TargetVersion(ref, 1, 2_000, "snapshots/winner.json", 3, "0000000000000000", 0, "run-0", NOW);
    VersionLedger racing = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        super.commit(winner, 0); // another worker commits first
        return super.commit(next, expectedSequence);
      }
    };
    // The sidecar's PUT is held (and never released): the loser must stop it, not leave it to land later.
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Thread> uploader = new AtomicReference<>();
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock),
            sidecarGate(release, events, uploader),
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, racing, runs,
        new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");

    try {
      Outcome outcome = processor.process(delivery(message("acme", "items"), 1));

      assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
      assertThat(versions.current(ref)).contains(winner);
      assertThat(uploader.get()).isNotNull().matches(thread -> !thread.isAlive(), "has ended");
      assertThat(events).doesNotContain("sidecar stored");
      assertThat(store.list("snapshots/")).isEmpty();
    } finally {
      release.countDown();
    }
  }

  /** Counts the reads of the version ledger: one target at a time and batches. */
  private static final class CountingVersions extends ForwardingVersionLedger {
    final AtomicInteger singleReads = new AtomicInteger();
    final AtomicInteger batchReads = new AtomicInteger();

    CountingVersions(VersionLedger delegate) {
      super(delegate);
    }

    @Override
    public Optional<TargetVersion> current(TargetRef target) {
      singleReads.incrementAndGet();
      return super.current(target);
    }

    @Override
    public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
      batchReads.incrementAndGet();
      return super.currentOf(targets);
    }
  }

  private TargetProcessor processor(VersionLedger versionLedger) {
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), store,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    return new TargetProcessor(config, builder, versionLedger, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
  }

  private static ReceivedMessage delivery(String body, String handle) {
    return new ReceivedMessage("m-" + handle, body, handle, 1, Map.of(), NOW);
  }

  @Test
  void theVersionRecordsOfAReceivedBatchAreReadInOneRequestAndServeOneDeliveryEach() {
    CountingVersions counting = new CountingVersions(versions);
    TargetProcessor processor = processor(counting);
    ReceivedMessage acme = delivery(message("acme", "items"), "h-acme");
    ReceivedMessage globex = delivery(message("globex", "items"), "h-globex");

    processor.prefetch(List.of(acme, globex, delivery("{not json", "h-bad")));
    assertThat(processor.process(acme)).isInstanceOf(Outcome.Done.class);
    assertThat(processor.process(globex)).isInstanceOf(Outcome.Done.class);

    assertThat(counting.batchReads).hasValue(1);
    assertThat(counting.singleReads).hasValue(0);
    assertThat(versions.all()).hasSize(2);
    // The same delivery again (a duplicate in hand): its record was used up, so it reads the
    // committed one and drops the duplicate.
    Outcome again = processor.process(acme);
    assertThat(again).isInstanceOfSatisfying(Outcome.Done.class, d -> assertThat(d.summary()).contains("duplicate"));
    assertThat(counting.singleReads).hasValue(1);
    assertThat(versions.history(new TargetRef("acme", "items"))).hasSize(1);
  }

  @Test
  void aBatchRecordThatWentStaleBeforeItsTargetStartedOnlyCostsASupersededBuild() {
    TargetRef ref = new TargetRef("acme", "items");
    TargetProcessor processor = processor(versions);
    ReceivedMessage acme = delivery(message("acme", "items"), "h-acme");
    processor.prefetch(List.of(acme, delivery(message("globex", "items"), "h-globex")));
    // Another worker commits the target after the batch was read, before this one starts it.
    TargetVersion winner = new TargetVersion(ref, 1, 99, "snapshots/winner.json", 3, "0000000000000000", 0, "run-1", NOW);
    assertThat(versions.commit(winner, 0)).isTrue();

    Outcome outcome = processor.process(acme);

    assertThat(outcome).isEqualTo(new Outcome.Done("superseded"));
    assertThat(versions.history(ref)).containsExactly(winner);
    assertThat(runs.targets("run-1")).singleElement()
        .satisfies(t -> assertThat(t.state()).isEqualTo(TargetState.SUCCEEDED));
  }

  @Test
  void malformedMessagesAreRejectedWithTheirReason() {
    assertThat(processor().process(delivery("{not json", 1)))
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("malformed-json"));
    assertThat(processor().process(delivery("{\"schemaVersion\": 9}", 1)))
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("unknown-schema-version"));
    assertThat(processor().process(delivery("{\"schemaVersion\": 1, \"runId\": \"r\"}", 1)))
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("missing-field"));
    assertThat(versions.all()).isEmpty();
  }

  @Test
  void aMessageForAnUndeclaredTargetIsRecordedDeadLetteredWithItsAttemptCounted() {
    Outcome outcome = processor().process(delivery(message("acme", "nope"), 1));

    assertThat(outcome)
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("unknown-target"));
    assertThat(runs.targets("run-1")).singleElement().satisfies(entry -> {
      assertThat(entry.state()).isEqualTo(TargetState.DEAD_LETTERED);
      assertThat(entry.attempts()).as("the delivery that found it undeclared").isEqualTo(1);
    });
  }

  @Test
  void unknownTargetsAndClientsAreDeadLetteredAndRecordedInTheRun() {
    Outcome unknownTarget = processor().process(delivery(message("acme", "nope"), 1));
    Outcome unknownClient = processor().process(delivery(message("initech", "items"), 1));

    assertThat(unknownTarget)
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("unknown-target"));
    assertThat(unknownClient)
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> {
          assertThat(r.reasonCode()).isEqualTo("unknown-client");
          assertThat(r.detail()).contains("initech");
        });
    assertThat(runs.targets("run-1")).extracting(TargetProgress::state).containsOnly(TargetState.DEAD_LETTERED);
  }

  @Test
  void aRetryableFailureIsRetriedUntilTheLastDeliveryThenDeadLettered() {
    RowSource down =
        new RowSource() {
          @Override
          public boolean clientExists(String clientId) {
            return true;
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            throw new SQLException("connection refused", "08001");
          }
        };
    TargetProcessor processor = processor(down, new ProcessingSettings(3, Duration.ofSeconds(1), Duration.ofSeconds(10)));

    // Committed, then the outcome write failed: a retryable failure, so the message comes back.
    assertThat(processor.process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.RetryLater.class);
    assertThat(runs.targets("run-1").get(0).state()).isEqualTo(TargetState.FAILED);
    assertThat(runs.targets("run-1").get(0).lastError()).contains("connection refused");

    assertThat(processor.process(delivery(message("acme", "items"), 3)))
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> {
          assertThat(r.reasonCode()).isEqualTo("retries-exhausted");
          assertThat(r.detail()).contains("connection refused");
        });
    assertThat(runs.targets("run-1").get(0).state()).isEqualTo(TargetState.DEAD_LETTERED);
    assertThat(runs.targets("run-1").get(0).attempts()).isEqualTo(2);
    assertThat(versions.all()).isEmpty();
  }

  @Test
  void aSchemaMismatchIsPermanent() throws SQLException {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("ALTER TABLE items DROP COLUMN label");
    }
    Outcome outcome = processor().process(delivery(message("acme", "items"), 1));
    assertThat(outcome)
        .isInstanceOfSatisfying(Outcome.Reject.class, r -> assertThat(r.reasonCode()).isEqualTo("schema-mismatch"));
    assertThat(Optional.ofNullable(versions.current(new TargetRef("acme", "items")).orElse(null))).isEmpty();
  }

  @Test
  void withEverySlotTakenTheTargetIsPostponedWithoutTouchingTheSourceOrTheRun() {
    FakeSourceSlots slots = new FakeSourceSlots(0);
    AtomicInteger reads = new AtomicInteger();

    Outcome outcome = processor(countingSource(reads, () -> {}), admission(slots))
        .process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Postpone.class, p -> {
      assertThat(p.reason()).contains("no free source slot");
      assertThat(p.delay()).isBetween(Duration.ofMillis(2_500), Duration.ofMillis(7_500));
    });
    assertThat(slots.calls()).containsExactly("busy w-test/m-1/1");
    assertThat(reads).hasValue(0);
    assertThat(runs.targets("run-1")).as("still queued: no attempt spent").isEmpty();
    assertThat(versions.all()).isEmpty();
  }

  @Test
  void aTargetThatOutgrewItsSmallReservationComesBackAsADeliveryThatReservesInFull() throws Exception {
    addClientWithRows("initech", 3_000);
    long kib = 1024;
    MemoryBudget budget = new MemoryBudget(100 * kib, 40 * kib, 10 * kib, 1_000, Duration.ofMillis(200));
    List<Long> freeWhileReading = new ArrayList<>();
    SnapshotBuilder builder =
        new SnapshotBuilder(countingSource(new AtomicInteger(), () -> freeWhileReading.add(budget.availableBytes())),
            store, StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test", Backpressure.NONE, SourceAdmission.UNLIMITED, budget,
        SuccessRecorder.direct(runs));
    String body = message("initech", "items");

    Outcome first;
    try (MemoryBudget.Reservation others = budget.reserve(70 * kib)) {
      first = processor.process(delivery(body, 1));
    }
    assertThat(versions.all()).as("the outgrown build committed nothing").isEmpty();
    // What the queue delivers next: a postponed message comes back as a fresh copy (receive count
    // 1); a retry is the same message delivered once more.
    ReceivedMessage next = first instanceof Outcome.Postpone ? delivery(body, 1) : delivery(body, 2);

    assertThat(processor.process(next)).isInstanceOf(Outcome.Done.class);
    assertThat(freeWhileReading).as("free bytes while each delivery read: the second reserved in full")
        .containsExactly(20 * kib, 60 * kib);
    assertThat(first).isInstanceOf(Outcome.RetryLater.class);
    assertThat(versions.current(new TargetRef("initech", "items")).orElseThrow().rowCount()).isEqualTo(3_000);
    assertThat(budget.availableBytes()).isEqualTo(100 * kib);
  }

  @Test
  void theSlotIsReleasedOnceTheTargetCommitted() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    AtomicInteger reads = new AtomicInteger();

    Outcome outcome = processor(countingSource(reads, () -> {}), admission(slots))
        .process(delivery(message("acme", "items"), 1));

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    assertThat(reads).hasValue(2);
    assertThat(slots.calls()).containsExactly("acquire w-test/m-1/1", "release w-test/m-1/1");
    assertThat(slots.holders()).isEmpty();
  }

  @Test
  void theSlotIsReleasedAfterARetryableOrAPermanentFailure() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    TargetProcessor processor =
        processor(countingSource(new AtomicInteger(), () -> {
          throw new IllegalStateException("unexpected");
        }), admission(slots));
    TargetProcessor down =
        processor(new RowSource() {
          @Override
          public boolean clientExists(String clientId) {
            return true;
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            throw new SQLException("connection refused", "08001");
          }
        }, admission(slots));

    assertThat(down.process(delivery(message("acme", "items"), 1))).isInstanceOf(Outcome.RetryLater.class);
    assertThat(processor.process(delivery(message("initech", "items"), 2))).isInstanceOf(Outcome.Reject.class);
    assertThat(processor.process(delivery(message("acme", "items"), 3))).isInstanceOf(Outcome.Reject.class);

    assertThat(slots.calls()).containsExactly(
        "acquire w-test/m-1/1", "release w-test/m-1/1",
        "acquire w-test/m-2/1", "release w-test/m-2/1",
        "acquire w-test/m-3/2", "release w-test/m-3/2");
    assertThat(slots.holders()).isEmpty();
  }

  @Test
  void theSlotIsReleasedWhenTheTargetIsAbandonedAfterLosingItsLease() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    AtomicReference<String> lost = new AtomicReference<>();
    ReceivedMessage received = delivery(message("acme", "items"), 1);
    Lease lease = new Lease() {
      @Override
      public ReceivedMessage message() {
        return received;
      }

      @Override
      public Optional<String> lostReason() {
        return Optional.ofNullable(lost.get());
      }
    };

    Outcome outcome = processor(countingSource(new AtomicInteger(), () -> lost.set("heartbeat failed")),
        admission(slots)).process(received, lease);

    assertThat(outcome).isEqualTo(new Outcome.Abandoned("heartbeat failed"));
    assertThat(slots.calls()).containsExactly("acquire w-test/m-1/1", "release w-test/m-1/1");
    assertThat(versions.all()).isEmpty();
  }

  @Test
  void aTargetWhoseLeaseIsLostAfterItsBuildStopsItsSidecarAndLeavesNoObjectBehind() throws Exception {
    addRowsForAStoredSidecar();
    AtomicReference<String> lost = new AtomicReference<>();
    ReceivedMessage received = delivery(message("acme", "items"), 1);
    Lease lease = new Lease() {
      @Override
      public ReceivedMessage message() {
        return received;
      }

      @Override
      public Optional<String> lostReason() {
        return Optional.ofNullable(lost.get());
      }
    };
    // The sidecar's PUT is held until the end: an abandoned build must stop it, not leave it to land later.
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Thread> uploader = new AtomicReference<>();
    SnapshotBuilder builder =
        new SnapshotBuilder(countingSource(new AtomicInteger(), () -> lost.set("heartbeat failed")),
            sidecarGate(release, events, uploader),
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, versions, runs,
        new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");

    try {
      Outcome outcome = processor.process(received, lease);

      assertThat(outcome).isEqualTo(new Outcome.Abandoned("heartbeat failed"));
      assertThat(versions.all()).isEmpty();
      assertThat(uploader.get()).matches(thread -> thread == null || !thread.isAlive(), "has ended");
      assertThat(events).doesNotContain("sidecar stored");
      assertThat(store.list("snapshots/")).isEmpty();
    } finally {
      release.countDown();
    }
  }

  @Test
  void messagesRejectedBeforeReadingNeverAskForASlot() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    TargetProcessor processor = processor(countingSource(new AtomicInteger(), () -> {}), admission(slots));

    assertThat(processor.process(delivery("{not json", 1))).isInstanceOf(Outcome.Reject.class);
    assertThat(processor.process(delivery(message("acme", "nope"), 1))).isInstanceOf(Outcome.Reject.class);

    assertThat(slots.calls()).isEmpty();
  }

  @Test
  void theSlotIsRenewedWithTheMessagesHeartbeat() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    ManualScheduler scheduler = new ManualScheduler();
    RecordingAcknowledger acknowledger = new RecordingAcknowledger();
    LeaseKeeper keeper = new LeaseKeeper(acknowledger, scheduler, Duration.ofSeconds(60));
    ReceivedMessage received = delivery(message("acme", "items"), 1);
    TargetProcessor processor =
        processor(countingSource(new AtomicInteger(), () -> scheduler.advance(Duration.ofSeconds(61))),
            admission(slots));

    Outcome outcome;
    try (LeaseKeeper.HeldLease lease = keeper.hold(received)) {
      outcome = processor.process(received, lease);
    }

    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    assertThat(acknowledger.calls()).containsExactly("extend m-1 PT1M", "extend m-1 PT1M");
    assertThat(slots.calls()).containsExactly(
        "acquire w-test/m-1/1", "renew w-test/m-1/1", "renew w-test/m-1/1", "release w-test/m-1/1");
  }

  @Test
  void aTargetAbandonedByARevokedLeaseReleasesItsSlotThoughTheRevokeInterruptedItsThread() {
    FakeSourceSlots slots = new FakeSourceSlots(1);
    ManualScheduler scheduler = new ManualScheduler();
    RecordingAcknowledger acknowledger = new RecordingAcknowledger();
    acknowledger.failExtendWhen(m -> true);
    LeaseKeeper keeper = new LeaseKeeper(acknowledger, scheduler, Duration.ofSeconds(60));
    ReceivedMessage received = delivery(message("acme", "items"), 1);
    TargetProcessor processor =
        processor(countingSource(new AtomicInteger(), () -> scheduler.advance(Duration.ofSeconds(30))),
            admission(slots));

    Outcome outcome;
    boolean interruptedAfterwards;
    try (LeaseKeeper.HeldLease lease = keeper.hold(received)) {
      outcome = processor.process(received, lease); // the heartbeat fails mid-read: revoked, thread interrupted
      interruptedAfterwards = Thread.currentThread().isInterrupted();
    }

    assertThat(outcome).isInstanceOf(Outcome.Abandoned.class);
    assertThat(slots.calls()).containsExactly("acquire w-test/m-1/1", "release w-test/m-1/1");
    assertThat(slots.holders()).isEmpty();
    assertThat(interruptedAfterwards).as("the interrupt is restored for the caller").isTrue();
  }

  @Test
  void postponementsAreJitteredAroundTheWait() {
    SourceAdmission admission = new SourceAdmission(new FakeSourceSlots(0), Duration.ofSeconds(10), new SplittableRandom(3));
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      waits.add(admission.nextWait());
    }

    assertThat(waits).allSatisfy(w -> assertThat(w).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(15)));
    assertThat(waits.stream().distinct().count()).isGreaterThan(40);
    assertThat(new SourceAdmission(new FakeSourceSlots(0), Duration.ofSeconds(1), new SplittableRandom(3)).nextWait())
        .isEqualTo(Duration.ofSeconds(1));
  }
}
