package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** Two workers process the same target at the same time, both from the same version record. */
class ConcurrentCommitTest {
  @Test
  void exactlyOneOfTwoConcurrentWorkersCommitsAndTheOtherLeavesNoObjects() throws Exception {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:fence" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    SourceSchema schema = new SourceSchema(SourceSchema.Dialect.H2);
    try (Connection keepAlive = dataSource.getConnection()) {
      schema.create(keepAlive);
      for (long id = 1; id <= 10; id++) {
        SourceSchema.upsert(keepAlive, "acme", id, "row", id, schema.nextVersion(keepAlive));
      }
      IncrementalHarness h = new IncrementalHarness(dataSource, CompactionPolicy.defaults(), new ChangeReadSettings(0, Duration.ZERO), 3);
      h.sync(SyncMode.FULL);
      SourceSchema.upsert(keepAlive, "acme", 11, "new", 11, schema.nextVersion(keepAlive));
      List<String> before = h.store.keys();

      CyclicBarrier bothRead = new CyclicBarrier(2);
      InMemoryRunLedger runs = new InMemoryRunLedger();
      SourceConfig config = new SourceConfig(dataSource.getURL(), null, null, "SELECT 'acme'", List.of(IncrementalHarness.ITEMS));
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<Outcome>> outcomes = new ArrayList<>();
      try {
        for (int w = 1; w <= 2; w++) {
          // Runs of their own: the harness's full sync above was "run-1", and a version committed by
          // a message's own run marks that message a duplicate.
          String runId = "race-" + w;
          runs.createRun(new RunRecord(runId, "all", SyncMode.INCREMENTAL, "test", Instant.now(), 1));
          RowSource jdbc = new JdbcRowSource(dataSource, "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO));
          RowSource waitsForTheOther = new RowSource() {
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
              try {
                bothRead.await(30, TimeUnit.SECONDS); // both have read the same version record
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              return jdbc.readChanges(target, clientId, watermark);
            }
          };
          TargetProcessor processor = new TargetProcessor(config,
              new SnapshotBuilder(waitsForTheOther, h.store, StorageLayout.withRandom("snapshots/", new Random(10 + w)),
                  SnapshotWriterOptions.defaults(), CompactionPolicy.defaults(), Clock.systemUTC()),
              h.versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), Clock.systemUTC(), "w" + w);
          String body = TargetMessageCodec.encode(TargetMessage.of(runId, IncrementalHarness.ACME, SyncMode.INCREMENTAL, Instant.now()));
          outcomes.add(pool.submit(() -> processor.process(new ReceivedMessage("m" + runId, body, "h", 1, Map.of(), Instant.now()))));
        }
        List<String> details = new ArrayList<>();
        for (Future<Outcome> outcome : outcomes) {
          Outcome done = outcome.get(60, TimeUnit.SECONDS);
          assertThat(done).isInstanceOf(Outcome.Done.class);
          details.add(((Outcome.Done) done).summary());
        }
        assertThat(details).containsExactlyInAnyOrder("committed sequence 2", "superseded");
      } finally {
        pool.shutdownNow();
      }
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
  }
}
