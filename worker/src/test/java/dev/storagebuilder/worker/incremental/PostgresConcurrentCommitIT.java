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
import java.time.Duration;
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
 * Two workers race the commit of one target on PostgreSQL, where a read that cannot settle (a
 * writer's transaction stays open) delivers the changes it sees but keeps the old watermark.
 */
class PostgresConcurrentCommitIT {
  private final SourceSchema schema = new SourceSchema(SourceSchema.Dialect.POSTGRESQL);
  private final InMemoryObjectStore store = new InMemoryObjectStore();
  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  private final InMemoryRunLedger runs = new InMemoryRunLedger();
  private TestSource source;
  private Connection writer;
  private int processors;

  /** Ten rows in a committed base, then an eleventh for the racing incremental syncs to find. */
  @BeforeEach
  void baseOfTenRowsAndOneChange() throws Exception {
    source = TestSource.create(SourceSchema.Dialect.POSTGRESQL);
    writer = source.dataSource().getConnection();
    schema.create(writer);
    for (long id = 1; id <= 10; id++) {
      SourceSchema.upsert(writer, "acme", id, "row", id, schema.nextVersion(writer));
    }
    assertThat(processor(versions).process(message("run-1", SyncMode.FULL))).isInstanceOf(Outcome.Done.class);
    SourceSchema.upsert(writer, "acme", 11, "eleven", 11, schema.nextVersion(writer));
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
  void aCommitOfAnUnsettledReadLostToAVersionLackingARowItReadBuildsAgainOnTopOfIt() throws Exception {
    // A reads row 11 (settled), then waits to commit until B has built. B reads rows 11 and 13
    // while a writer's transaction holds version 12 open: it cannot settle, so its watermark stays
    // below A's, but A lacks row 13.
    CountDownLatch earlierBuilt = new CountDownLatch(1);
    CountDownLatch laterBuilt = new CountDownLatch(1);
    CountDownLatch earlierCommitted = new CountDownLatch(1);
    VersionLedger earlierLedger = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        earlierBuilt.countDown();
        await(laterBuilt);
        try {
          return super.commit(next, expectedSequence);
        } finally {
          earlierCommitted.countDown();
        }
      }
    };
    VersionLedger laterLedger = new ForwardingVersionLedger(versions) {
      @Override
      public boolean commit(TargetVersion next, long expectedSequence) {
        laterBuilt.countDown();
        await(earlierCommitted);
        return super.commit(next, expectedSequence);
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection open = source.dataSource().getConnection()) {
      Future<Outcome> earlier = pool.submit(() -> processor(earlierLedger).process(message("run-a", SyncMode.INCREMENTAL)));
      await(earlierBuilt);
      open.setAutoCommit(false);
      schema.nextVersion(open); // version 12, taken and never committed while the race runs
      SourceSchema.upsert(writer, "acme", 13, "thirteen", 13, schema.nextVersion(writer));
      Future<Outcome> later = pool.submit(() -> processor(laterLedger).process(message("run-b", SyncMode.INCREMENTAL)));

      Outcome earlierOutcome = earlier.get(60, TimeUnit.SECONDS);
      Outcome laterOutcome = later.get(60, TimeUnit.SECONDS);
      open.rollback();

      assertThat(earlierOutcome).isEqualTo(new Outcome.Done("committed sequence 2"));
      assertThat(laterOutcome).isEqualTo(new Outcome.Done("committed sequence 3"));
      assertThat(versions.current(IncrementalHarness.ACME).orElseThrow().runId()).isEqualTo("run-b");
      assertThat(snapshotIds()).contains(11L, 13L);
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
    // A settle timeout short enough for the test, long enough for the writes that do end.
    JdbcRowSource jdbc = new JdbcRowSource(source.dataSource(), "SELECT 'acme'", 100, Clock.systemUTC(),
        new ChangeReadSettings(ChangeReadSettings.DIALECT_DEFAULT_OVERLAP, Duration.ofMillis(300)));
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
