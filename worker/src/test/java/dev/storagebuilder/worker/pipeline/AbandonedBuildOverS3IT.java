package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A target whose lease is revoked once its build has stored its objects, against the embedded S3
 * and the real SDK: the revoke interrupts the target's thread (as {@code LeaseKeeper} does), and the
 * SDK refuses a call made on an interrupted thread, yet what the build stored must still be deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AbandonedBuildOverS3IT {
  private ItemsOverS3 world;
  private final Clock clock = Clock.systemUTC();

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("abandoned-build", 100);
    try (Statement sql = world.keepAlive.createStatement()) {
      sql.execute("CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY)");
      sql.execute("INSERT INTO clients VALUES ('acme')");
    }
  }

  @AfterAll
  void stop() throws SQLException {
    world.close();
  }

  @Test
  void aBuildWhoseLeaseWasRevokedDeletesWhatItStoredThoughItsThreadIsInterrupted() throws Exception {
    SourceConfig config = new SourceConfig(world.dataSource.getURL(), null, null, "SELECT client_id FROM clients", List.of(ItemsOverS3.ITEMS));
    InMemoryVersionLedger versions = new InMemoryVersionLedger();
    InMemoryRunLedger runs = new InMemoryRunLedger();
    runs.createRun(new RunRecord("run-1", "all", SyncMode.FULL, "test", Instant.now(), 1));
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, config.clientsQuery(), 100, clock), world.store,
            StorageLayout.withRandom("snapshots/", new Random(3)), SnapshotWriterOptions.defaults(), clock);
    TargetProcessor processor = new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
    ReceivedMessage received = new ReceivedMessage("m-1",
        TargetMessageCodec.encode(TargetMessage.of("run-1", new TargetRef("acme", "items"), SyncMode.FULL,
            Instant.now())), "handle", 1, Map.of(), Instant.now());
    AtomicBoolean revoked = new AtomicBoolean();
    // The first look at the lease comes once the build has stored its objects: the revoke lands then.
    Lease lease = new Lease() {
      @Override
      public ReceivedMessage message() {
        return received;
      }

      @Override
      public Optional<String> lostReason() {
        if (revoked.compareAndSet(false, true)) {
          Thread.currentThread().interrupt();
        }
        return Optional.of("released on shutdown");
      }
    };

    Outcome outcome;
    try {
      outcome = processor.process(received, lease);
    } finally {
      Thread.interrupted();
    }

    assertThat(outcome).isEqualTo(new Outcome.Abandoned("released on shutdown"));
    assertThat(revoked).isTrue();
    assertThat(versions.all()).isEmpty();
    assertThat(world.store.list("snapshots/")).as("objects of the abandoned build left in S3").isEmpty();
  }
}
