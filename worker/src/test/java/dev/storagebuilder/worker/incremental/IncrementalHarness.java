package dev.storagebuilder.worker.incremental;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RowChecksum;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.BuiltSnapshot;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import javax.sql.DataSource;

/**
 * The incremental pipeline in process: a JDBC source, the snapshot builder, an in-memory object
 * store and version ledger. {@link #sync} builds and commits like the worker does.
 */
final class IncrementalHarness {
  static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("label", ColumnType.STRING, true),
              ColumnDeclaration.of("amount", ColumnType.INT64, false),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          new DeleteTracking(DeleteTracking.Kind.TOMBSTONE_TABLE, "items_deleted", null),
          0);
  static final TargetRef ACME = new TargetRef("acme", "items");

  final InMemoryObjectStore store = new InMemoryObjectStore();
  final InMemoryVersionLedger versions = new InMemoryVersionLedger();
  final DataSource dataSource;
  SnapshotBuilder builder;
  private final CompactionPolicy compaction;
  private final ChangeReadSettings changeRead;
  private final Clock clock;
  private int runs;

  IncrementalHarness(DataSource dataSource, CompactionPolicy compaction, ChangeReadSettings changeRead, long seed) {
    this.dataSource = dataSource;
    this.compaction = compaction;
    this.changeRead = changeRead;
    this.clock = Clock.systemUTC();
    this.layout = StorageLayout.withRandom("snapshots/", new Random(seed));
    restartWorker();
  }

  private final StorageLayout layout;

  /** A new builder over the same store and ledger: a worker that has read or written nothing yet. */
  synchronized void restartWorker() {
    builder =
        new SnapshotBuilder(
            new JdbcRowSource(dataSource, "SELECT 'acme'", 100, clock, changeRead),
            store,
            layout,
            SnapshotWriterOptions.defaults(),
            SnapshotBuilder.Upkeep.DEFAULTS.withCompaction(compaction),
            clock);
  }

  static ChangeReadSettings fastSettle() {
    return new ChangeReadSettings(ChangeReadSettings.DIALECT_DEFAULT_OVERLAP, Duration.ofMillis(50));
  }

  /** Builds and commits one sync of {@link #ACME}; returns what was built and whether it committed. */
  synchronized Result sync(SyncMode mode) throws Exception {
    return sync(mode, ITEMS);
  }

  /** As {@link #sync(SyncMode)}, with the target declared as {@code declaration}. */
  synchronized Result sync(SyncMode mode, TargetDeclaration declaration) throws Exception {
    Optional<TargetVersion> current = versions.current(ACME);
    BuiltSnapshot built = build(mode, current, declaration);
    long expected = current.map(TargetVersion::sequence).orElse(0L);
    // As TargetProcessor: a record that already says everything is not written again.
    boolean committed = !built.commits(expected) || versions.commit(built.version(), expected);
    // As TargetProcessor: the sidecar is awaited after the commit, and its failure fails nothing.
    try {
      built.trailing().await();
    } catch (IOException e) {
      // the next incremental sync counts the state by reading it
    }
    return new Result(built, committed);
  }

  BuiltSnapshot build(SyncMode mode, Optional<TargetVersion> current) throws Exception {
    return build(mode, current, ITEMS);
  }

  private BuiltSnapshot build(SyncMode mode, Optional<TargetVersion> current, TargetDeclaration declaration)
      throws Exception {
    TargetMessage message = TargetMessage.of("run-" + (++runs), ACME, mode, Instant.now());
    return builder.build(declaration, message, current);
  }

  record Result(BuiltSnapshot built, boolean committed) {}

  /**
   * The committed state, one string per row, sorted. Also checks that the version record's row count
   * and checksum (computed from the key indexes after a delta) equal a recount of that state.
   */
  List<String> state() throws Exception {
    TargetVersion version = versions.current(ACME).orElseThrow();
    List<String> rows = new ArrayList<>();
    RowChecksum recount = new RowChecksum(ITEMS.columns());
    try (CloseableIterator<Object[]> it =
        SnapshotReader.open(store, ManifestCodec.decode(store.get(version.manifestKey()))).rows()) {
      it.forEachRemaining(
          row -> {
            rows.add(Arrays.deepToString(row));
            recount.add(row);
          });
    }
    if (recount.count() != version.rowCount() || !recount.toHex().equals(version.contentChecksum())) {
      throw new AssertionError(
          "version " + version.sequence() + " records " + version.rowCount() + " rows, checksum "
              + version.contentChecksum() + "; its state has " + recount);
    }
    rows.sort(null);
    return rows;
  }

  /** The source's rows of the client, as the snapshot holds them, sorted. */
  List<String> source() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(TargetSql.selectAll(ITEMS))) {
      select.setString(1, ACME.clientId());
      try (ResultSet rs = select.executeQuery()) {
        JdbcValues values = JdbcValues.of(ITEMS);
        while (rs.next()) {
          rows.add(Arrays.deepToString(values.read(rs)));
        }
      }
    }
    rows.sort(null);
    return rows;
  }
}
