package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ledger.RunRecord;
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
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.pipeline.TargetProcessor;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.ForwardingVersionLedger;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two runs race the commit of one target on MariaDB, which has no settle step: a read's watermark
 * is the highest version it saw, and a transaction holding a lower version may commit after it.
 */
class MariaDbConcurrentCommitIT {
  private final SourceSchema schema = new SourceSchema(SourceSchema.Dialect.MARIADB);
  private final InMemoryObjectStore store = new InMemoryObjectStore();
  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  private final InMemoryRunLedger runs = new InMemoryRunLedger();
  private TestSource source;
  private Connection writer;
  private int processors;

  /** Ten rows in a committed base. */
  @BeforeEach
  void baseOfTenRows() throws Exception {
    source = TestSource.create(SourceSchema.Dialect.MARIADB);
    writer = source.dataSource().getConnection();
    schema.create(writer);
    for (long id = 1; id <= 10; id++) {
      SourceSchema.upsert(writer, "acme", id, "row", id, schema.nextVersion(writer));
    }
    assertThat(processor(versions).process(message("run-1", SyncMode.FULL))).isInstanceOf(Outcome.Done.class);
  }

  @AfterEach
  void dropSource() throws SQLException {
    try {
      if (writer != null) {
        writer.close();
      }
    } finally {
      if (source != null) {
        source.close();
      }
    }
  }

  @Test
  void aCommitLostToAnEarlierReadWithTheSameWatermarkBuildsAgainWhenItReadARowCommittedInBetween() throws Exception {
    // A writer's transaction takes version 11 and stays open while version 12 commits. Run B reads
    // rows 12 (watermark 12) and waits to commit; the held transaction commits row 11; run A reads
    // rows 11 and 12, also up to watermark 12, and loses its commit to B, which lacks row 11.
    CountDownLatch staleBuilt = new CountDownLatch(1);
    CountDownLatch freshBuilt = new CountDownLatch(1);
    CountDownLatch staleCommitted = new CountDownLatch(1);
    VersionLedger staleLedger = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        staleBuilt.countDown();
        await(freshBuilt);
        try {
          return super.commit(next, expectedSequence);
        } finally {
          staleCommitted.countDown();
        }
      }
    };
    VersionLedger freshLedger = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        freshBuilt.countDown();
        await(staleCommitted);
        return super.commit(next, expectedSequence);
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection held = source.dataSource().getConnection()) {
      // READ COMMITTED: the upsert of a missing key takes no gap lock that would hold up the other's insert.
      held.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      writer.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      held.setAutoCommit(false);
      SourceSchema.upsert(held, "acme", 11, "eleven", 11, schema.nextVersion(held));
      SourceSchema.upsert(writer, "acme", 12, "twelve", 12, schema.nextVersion(writer));
      Future<Outcome> stale = pool.submit(() -> processor(staleLedger).process(message("run-b", SyncMode.INCREMENTAL)));
      await(staleBuilt);
      held.commit();
      Future<Outcome> fresh = pool.submit(() -> processor(freshLedger).process(message("run-a", SyncMode.INCREMENTAL)));

      Outcome staleOutcome = stale.get(60, TimeUnit.SECONDS);
      Outcome freshOutcome = fresh.get(60, TimeUnit.SECONDS);

      // Run A reported the target done: its snapshot must hold what A read.
      assertThat(snapshotIds()).contains(11L, 12L);
      assertThat(staleOutcome).isEqualTo(new Outcome.Done("committed sequence 2"));
      assertThat(freshOutcome).isEqualTo(new Outcome.Done("committed sequence 3"));
      assertThat(versions.current(IncrementalHarness.ACME).orElseThrow().runId()).isEqualTo("run-a");
    } finally {
      pool.shutdownNow();
    }
  }

  private List<Long> snapshotIds() throws Exception {
    TargetVersion current = versions.current(IncrementalHarness.ACME).orElseThrow();
    List<Long> ids = new ArrayList<>();
    try (CloseableIterator<Object[]> rows =
        SnapshotReader.open(store, ManifestCodec.decode(store.get(current.manifestKey()))).rows()) {
      rows.forEachRemaining(row -> ids.add((Long) row[0]));
    }
    return ids;
  }

  private TargetProcessor processor(VersionLedger ledger) {
    SourceConfig config =
        new SourceConfig(source.jdbcUrl(), null, null, "SELECT 'acme'", List.of(IncrementalHarness.ITEMS));
    // MariaDB has no settle step: the default overlap window (10,000 versions).
    JdbcRowSource jdbc = new JdbcRowSource(source.dataSource(), "SELECT 'acme'", 100, Clock.systemUTC(),
        ChangeReadSettings.defaults());
    return new TargetProcessor(config,
        new SnapshotBuilder(jdbc, store, StorageLayout.withRandom("snapshots/", new Random(++processors)),
            SnapshotWriterOptions.defaults(), Clock.systemUTC()),
        ledger, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), Clock.systemUTC(), "w" + processors);
  }

  private ReceivedMessage message(String runId, SyncMode mode) {
    runs.createRun(new RunRecord(runId, "all", mode, "test", Instant.now(), 1));
    String body = TargetMessageCodec.encode(TargetMessage.of(runId, IncrementalHarness.ACME, mode, Instant.now()));
    return new ReceivedMessage("m-" + runId, body, "h-" + runId, 1, Map.of(), Instant.now());
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
