package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.FailureClassifier;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

  private TargetProcessor processor() {
    return processor(new JdbcRowSource(dataSource, config.clientsQuery(), 100, clock), ProcessingSettings.defaults());
  }

  private static ReceivedMessage delivery(String body, int receiveCount) {
    return new ReceivedMessage("m-" + receiveCount, body, "handle", receiveCount, Map.of(), NOW);
  }

  private static String message(String client, String target) {
    return TargetMessageCodec.encode(TargetMessage.of("run-1", new TargetRef(client, target), SyncMode.FULL, NOW));
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
}
