package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.ForwardingVersionLedger;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two workers process the same target at the same time, both from the same version record. */
class ConcurrentCommitTest {
  private final JdbcDataSource dataSource = new JdbcDataSource();
  private final SourceSchema schema = new SourceSchema(SourceSchema.Dialect.H2);
  private Connection keepAlive;
  private IncrementalHarness h;

  /** Ten rows in a committed base, then an eleventh for the racing incremental syncs to find. */
  @BeforeEach
  void baseOfTenRowsAndOneChange() throws Exception {
    dataSource.setURL("jdbc:h2:mem:fence" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    schema.create(keepAlive);
    for (long id = 1; id <= 10; id++) {
      SourceSchema.upsert(keepAlive, "acme", id, "row", id, schema.nextVersion(keepAlive));
    }
    h = new IncrementalHarness(dataSource, CompactionPolicy.defaults(), new ChangeReadSettings(0, Duration.ZERO), 3);
    h.sync(SyncMode.FULL);
    SourceSchema.upsert(keepAlive, "acme", 11, "new", 11, schema.nextVersion(keepAlive));
  }

  @AfterEach
  void closeSource() throws SQLException {
    keepAlive.close();
  }

  @Test
  void exactlyOneOfTwoConcurrentWorkersCommitsAndTheOtherLeavesNoObjects() throws Exception {
    List<String> before = h.store.keys();

    CyclicBarrier bothRead = new CyclicBarrier(2);
    Runnable waitForTheOther = () -> await(bothRead); // both have read the same version record
    List<String> details = runBoth(
        new Worker(waitForTheOther, h.versions), new Worker(waitForTheOther, h.versions));

    // H2 has no settle step: the loser cannot tell that the winner's read, with the same watermark,
    // was no earlier than its own, so it reads again on top of it and finds nothing new.
    assertThat(details).containsExactlyInAnyOrder("committed sequence 2", "unchanged at sequence 2");
    assertThat(h.versions.history(IncrementalHarness.ACME)).extracting(TargetVersion::sequence).containsExactly(2L, 1L);
    // The winner added a delta and a manifest (the small key index is inside it); the loser's are gone.
    List<String> added = new ArrayList<>(h.store.keys());
    added.removeAll(before);
    String manifest = h.versions.current(IncrementalHarness.ACME).orElseThrow().manifestKey();
    assertThat(added).hasSize(2).contains(manifest);
    assertThat(ManifestCodec.decode(h.store.get(manifest)).deltas())
        .extracting(SnapshotObject::key)
        .containsExactly(added.stream().filter(key -> !key.equals(manifest)).findFirst().orElseThrow());
    assertThat(h.state()).isEqualTo(h.source());
  }

  @Test
  void aWorkerWhoseCommitLosesToOneThatReadLessBuildsAgainOnTopOfIt() throws Exception {
    // Both read version 1. A reads the changes (row 11); then row 12 changes and B reads both;
    // A commits first, B's commit loses to a version that lacks row 12.
    CyclicBarrier bothRead = new CyclicBarrier(2);
    CountDownLatch laterChangeMade = new CountDownLatch(1);
    CountDownLatch laterBuilt = new CountDownLatch(1);
    CountDownLatch earlierCommitted = new CountDownLatch(1);
    Worker earlier = new Worker(() -> await(bothRead), new ForwardingVersionLedger(h.versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        try {
          SourceSchema.upsert(keepAlive, "acme", 12, "later", 12, schema.nextVersion(keepAlive));
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
        laterChangeMade.countDown();
        await(laterBuilt);
        boolean committed = super.commit(next, expectedSequence);
        earlierCommitted.countDown();
        return committed;
      }
    });
    Worker later = new Worker(() -> {
      await(bothRead);
      await(laterChangeMade);
    }, new ForwardingVersionLedger(h.versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        laterBuilt.countDown();
        await(earlierCommitted);
        return super.commit(next, expectedSequence);
      }
    });
    List<String> details = runBoth(earlier, later);

    assertThat(details).containsExactly("committed sequence 2", "committed sequence 3");
    assertThat(h.versions.current(IncrementalHarness.ACME).orElseThrow().runId()).isEqualTo("race-2");
    assertThat(h.state()).isEqualTo(h.source()).anyMatch(row -> row.contains("later"));
  }

  /** One worker of a race: {@code beforeFirstChangeRead} runs once, before its first change read. */
  private record Worker(Runnable beforeFirstChangeRead, VersionLedger versions) {}

  /** Runs an incremental message of run "race-1" on the first worker and of "race-2" on the second; their summaries. */
  private List<String> runBoth(Worker first, Worker second) throws Exception {
    InMemoryRunLedger runs = new InMemoryRunLedger();
    SourceConfig config = new SourceConfig(dataSource.getURL(), null, null, "SELECT 'acme'", List.of(IncrementalHarness.ITEMS));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Outcome>> outcomes = new ArrayList<>();
    try {
      List<Worker> workers = List.of(first, second);
      for (int w = 1; w <= 2; w++) {
        // Runs of their own: the harness's full sync was "run-1", and a version committed by a
        // message's own run marks that message a duplicate.
        String runId = "race-" + w;
        runs.createRun(new RunRecord(runId, "all", SyncMode.INCREMENTAL, "test", Instant.now(), 1));
        RowSource jdbc = new JdbcRowSource(dataSource, "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO));
        Worker worker = workers.get(w - 1);
        AtomicBoolean firstRead = new AtomicBoolean(true);
        RowSource hooked = new RowSource() {
          @Override
          public boolean clientExists(String clientId) throws SQLException {
            return jdbc.clientExists(clientId);
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            return jdbc.readAll(target, clientId);
          }

          @Override
          public ChangeRead readChanges(TargetDeclaration target, String clientId, long watermark) throws SQLException {
            if (firstRead.getAndSet(false)) {
              worker.beforeFirstChangeRead().run();
            }
            return jdbc.readChanges(target, clientId, watermark);
          }
        };
        TargetProcessor processor = new TargetProcessor(config,
            new SnapshotBuilder(hooked, h.store, StorageLayout.withRandom("snapshots/", new Random(10 + w)),
                SnapshotWriterOptions.defaults(), Clock.systemUTC()),
            worker.versions(), runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), Clock.systemUTC(), "w" + w);
        String body = TargetMessageCodec.encode(TargetMessage.of(runId, IncrementalHarness.ACME, SyncMode.INCREMENTAL, Instant.now()));
        outcomes.add(pool.submit(() -> processor.process(new ReceivedMessage("m" + runId, body, "h", 1, Map.of(), Instant.now()))));
      }
      List<String> details = new ArrayList<>();
      for (Future<Outcome> outcome : outcomes) {
        Outcome done = outcome.get(60, TimeUnit.SECONDS);
        assertThat(done).isInstanceOf(Outcome.Done.class);
        details.add(((Outcome.Done) done).summary());
      }
      return details;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
