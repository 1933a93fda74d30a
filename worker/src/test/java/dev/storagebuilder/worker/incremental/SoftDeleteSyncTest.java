package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.pipeline.BuiltSnapshot;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** A target whose source marks deletes in a BOOLEAN column instead of a tombstone table. */
class SoftDeleteSyncTest {
  private static final TargetDeclaration NOTES =
      new TargetDeclaration(
          "notes", "notes", "client_id", List.of("id"), "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("body", ColumnType.STRING, true),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          new DeleteTracking(DeleteTracking.Kind.SOFT_DELETE_COLUMN, null, "deleted"),
          0);
  private static final TargetRef REF = new TargetRef("acme", "notes");

  private final InMemoryObjectStore store = new InMemoryObjectStore();
  private final InMemoryVersionLedger versions = new InMemoryVersionLedger();

  @Test
  void softDeletedRowsLeaveTheStateAndComeBackWhenUndeleted() throws Exception {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:soft" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    try (Connection keepAlive = dataSource.getConnection();
        Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE notes (client_id VARCHAR(16), id BIGINT, body VARCHAR(100), deleted BOOLEAN,"
          + " version BIGINT NOT NULL, PRIMARY KEY (client_id, id))");
      sql.execute("INSERT INTO notes VALUES ('acme', 1, 'one', FALSE, 1), ('acme', 2, 'two', NULL, 2),"
          + " ('acme', 3, 'three', TRUE, 3)");
      SnapshotBuilder builder =
          new SnapshotBuilder(
              new JdbcRowSource(dataSource, "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ZERO)),
              store, StorageLayout.withRandom("s/", new Random(1)), SnapshotWriterOptions.defaults(),
              Clock.systemUTC());

      assertThat(sync(builder).kind()).isEqualTo(BuiltSnapshot.Kind.BASE);
      assertThat(state()).containsExactly("1 one", "2 two");

      sql.execute("UPDATE notes SET deleted = TRUE, version = 4 WHERE id = 1");
      sql.execute("UPDATE notes SET deleted = FALSE, version = 5 WHERE id = 3");
      BuiltSnapshot delta = sync(builder);

      assertThat(delta.kind()).isEqualTo(BuiltSnapshot.Kind.DELTA);
      assertThat(delta.rowsRead()).isEqualTo(2);
      assertThat(state()).containsExactly("2 two", "3 three");
      assertThat(versions.current(REF).orElseThrow().rowCount()).isEqualTo(2);
    }
  }

  private BuiltSnapshot sync(SnapshotBuilder builder) throws Exception {
    var current = versions.current(REF);
    BuiltSnapshot built =
        builder.build(NOTES, TargetMessage.of("run", REF, SyncMode.INCREMENTAL, Instant.now()), current);
    long expected = current.map(TargetVersion::sequence).orElse(0L);
    assertThat(built.commits(expected)).isTrue();
    assertThat(versions.commit(built.version(), expected)).isTrue();
    return built;
  }

  private List<String> state() throws Exception {
    List<String> rows = new ArrayList<>();
    var manifest = ManifestCodec.decode(store.get(versions.current(REF).orElseThrow().manifestKey()));
    try (CloseableIterator<Object[]> it = SnapshotReader.open(store, manifest).rows()) {
      it.forEachRemaining(row -> rows.add(row[0] + " " + row[1]));
    }
    rows.sort(null);
    return rows;
  }
}
