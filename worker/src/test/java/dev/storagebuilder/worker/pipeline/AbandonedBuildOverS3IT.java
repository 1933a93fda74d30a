package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.jdbcx.JdbcDataSource;
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
  private static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("label", ColumnType.STRING, true),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null, 0);

  private EmbeddedAwsStack stack;
  private AwsClients aws;
  private S3ObjectStore store;
  private Connection keepAlive;
  private JdbcDataSource dataSource;
  private final Clock clock = Clock.systemUTC();

  @BeforeAll
  void start() throws SQLException {
    stack = EmbeddedAwsStack.builder().start();
    AwsSettings settings = EmbeddedAws.settings(stack, "abandoned-build");
    aws = new AwsClients(settings, 4);
    store = new S3ObjectStore(aws.s3(), settings.bucket());
    store.ensureBucket();
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:abandonedbuild;DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY)");
      sql.execute("INSERT INTO clients VALUES ('acme')");
      sql.execute("CREATE TABLE items (client_id VARCHAR(64), id BIGINT, label VARCHAR(100), version BIGINT NOT NULL,"
          + " PRIMARY KEY (client_id, id))");
      sql.execute("INSERT INTO items SELECT 'acme', X, 'item ' || X, X FROM SYSTEM_RANGE(1, 100)");
    }
  }

  @AfterAll
  void stop() throws SQLException {
    keepAlive.close();
    store.close();
    aws.close();
    stack.close();
  }

  @Test
  void aBuildWhoseLeaseWasRevokedDeletesWhatItStoredThoughItsThreadIsInterrupted() throws Exception {
    SourceConfig config = new SourceConfig(dataSource.getURL(), null, null, "SELECT client_id FROM clients", List.of(ITEMS));
    InMemoryVersionLedger versions = new InMemoryVersionLedger();
    InMemoryRunLedger runs = new InMemoryRunLedger();
    runs.createRun(new RunRecord("run-1", "all", SyncMode.FULL, "test", Instant.now(), 1));
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), store,
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
    assertThat(store.list("snapshots/")).as("objects of the abandoned build left in S3").isEmpty();
  }
}
