package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.KeyIndex;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A base large enough for the streamed key index sidecar (over 1 MiB: merged to a local file that
 * goes up while it grows), against the embedded S3: the sidecar arrives whole, and a worker that
 * never saw it (no local copy) counts the next delta from it exactly as a full read counts the rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargeKeyIndexOverS3IT {
  private static final int ROWS = 60_000; // 25 bytes an entry: 1.5 MB, above the single-request size
  private static final TargetDeclaration ITEMS = ItemsOverS3.ITEMS;
  private static final TargetRef ACME = new TargetRef("acme", "items");

  private ItemsOverS3 world;
  private S3ObjectStore store;
  private Connection keepAlive;
  private JdbcDataSource dataSource;
  private final Clock clock = Clock.systemUTC();

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("large-key-index", ROWS);
    store = world.store;
    keepAlive = world.keepAlive;
    dataSource = world.dataSource;
  }

  @AfterAll
  void stop() throws SQLException {
    world.close();
  }

  private SnapshotBuilder freshWorker(long seed) {
    return new SnapshotBuilder(
        new JdbcRowSource(dataSource, "SELECT 'acme'", 1_000, clock), store,
        StorageLayout.withRandom("snapshots/", new Random(seed)), SnapshotWriterOptions.defaults(), clock);
  }

  private static TargetMessage message(SyncMode mode) {
    return TargetMessage.of("run-" + mode.wireName(), ACME, mode, Instant.now());
  }

  @Test
  void theStreamedSidecarArrivesWholeAndAnotherWorkerCountsTheNextDeltaFromIt() throws Exception {
    BuiltSnapshot base = freshWorker(1).build(ITEMS, message(SyncMode.FULL), Optional.empty(), rows -> {});
    assertThat(base.trailing().isPending()).isTrue();
    base.trailing().await();
    String indexKey = base.newObjects().stream().filter(k -> k.endsWith(".keys")).findFirst().orElseThrow();
    assertThat(store.open(indexKey).length()).isEqualTo(KeyIndex.sidecarBytes(ROWS)).isGreaterThan(1L << 20);
    assertThat(KeyIndex.open(store, indexKey, ROWS).collisions()).isZero();

    // No local copy of the sidecar: the delta's count and checksum come from the object in S3.
    changeRowsAndAssertTheDeltaCountsAsARecount(ITEMS, base, 2);
  }

  @Test
  void aBaseWhoseSidecarWasNeverStoredIsCountedByReadingItAndTheDeltaIsStillExact() throws Exception {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE lost_items AS SELECT * FROM items");
    }
    TargetDeclaration lost = new TargetDeclaration("lost_items", "lost_items", "client_id", List.of("id"), "version",
        ITEMS.columns(), null, 0);
    BuiltSnapshot base = freshWorker(4).build(lost, message(SyncMode.FULL), Optional.empty(), rows -> {});
    base.trailing().await();
    String indexKey = base.newObjects().stream().filter(k -> k.endsWith(".keys")).findFirst().orElseThrow();
    // The worker stopped between the commit and the sidecar's upload: the manifest lists it, S3 lacks it.
    store.delete(indexKey);

    changeRowsAndAssertTheDeltaCountsAsARecount(lost, base, 5);
  }

  /**
   * Changes 25 rows of the target's table and adds one, then builds the delta on {@code base} and a
   * full recount, each on a fresh worker (seeds {@code seed} and {@code seed + 1}): both must count
   * the same state.
   */
  private void changeRowsAndAssertTheDeltaCountsAsARecount(TargetDeclaration target, BuiltSnapshot base, long seed)
      throws Exception {
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("UPDATE " + target.table() + " SET label = 'changed', version = version + " + ROWS + " WHERE id <= 25");
      sql.execute("INSERT INTO " + target.table() + " VALUES ('acme', " + (ROWS + 1) + ", 'new', " + (3L * ROWS) + ")");
    }
    BuiltSnapshot delta =
        freshWorker(seed).build(target, message(SyncMode.INCREMENTAL), Optional.of(base.version()), rows -> {});
    BuiltSnapshot recount = freshWorker(seed + 1).build(target, message(SyncMode.FULL), Optional.empty(), rows -> {});

    assertThat(delta.kind()).isEqualTo(BuiltSnapshot.Kind.DELTA);
    TargetVersion afterDelta = delta.version();
    assertThat(afterDelta.rowCount()).isEqualTo(ROWS + 1).isEqualTo(recount.version().rowCount());
    assertThat(afterDelta.contentChecksum()).isEqualTo(recount.version().contentChecksum());
  }
}
