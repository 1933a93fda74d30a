package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotShape;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.incremental.IncrementalHarness.Result;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.pipeline.BuiltSnapshot;
import dev.storagebuilder.worker.pipeline.BuiltSnapshot.Kind;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.SnapshotBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IncrementalSyncTest {
  private static final ChangeReadSettings NO_OVERLAP = new ChangeReadSettings(0, Duration.ZERO);
  private final SourceSchema schema = new SourceSchema(SourceSchema.Dialect.H2);
  private JdbcDataSource dataSource;
  private Connection keepAlive;

  @BeforeEach
  void createSource() throws SQLException {
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:incremental" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    schema.create(keepAlive);
    for (long id = 1; id <= 20; id++) {
      write(c -> SourceSchema.upsert(c, "acme", id(c), "row", 1, schema.nextVersion(c)));
    }
  }

  private long nextId = 1;

  private long id(Connection connection) {
    return nextId++;
  }

  @AfterEach
  void dropSource() throws SQLException {
    keepAlive.close();
  }

  interface Write {
    void run(Connection connection) throws SQLException;
  }

  private void write(Write write) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      write.run(connection);
      connection.commit();
    }
  }

  private IncrementalHarness harness(CompactionPolicy compaction, ChangeReadSettings settings) {
    return new IncrementalHarness(dataSource, compaction, settings, 42);
  }

  @Test
  void aFullBuildReportsItsProgressEvery1024RowsAndStopsWhenTheProgressRefusesToGoOn() throws Exception {
    write(c -> {
      for (int i = 0; i < 2_480; i++) {
        SourceSchema.upsert(c, "acme", id(c), "row", 1, schema.nextVersion(c));
      }
    });
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    List<Long> reported = new ArrayList<>();
    BuiltSnapshot built =
        h.builder.build(IncrementalHarness.ITEMS, message(), Optional.empty(), reported::add);
    assertThat(built.rowsRead()).isEqualTo(2_500);
    assertThat(reported).containsExactly(1_024L, 2_048L);

    IOException refused = new IOException("no memory for more rows");
    assertThatThrownBy(
            () ->
                h.builder.build(IncrementalHarness.ITEMS, message(), Optional.empty(), rows -> {
                  if (rows > 1_024) {
                    throw refused;
                  }
                }))
        .isSameAs(refused);
  }

  private static TargetMessage message() {
    return TargetMessage.of(
        "run-progress", IncrementalHarness.ACME, SyncMode.FULL, Instant.now());
  }

  @Test
  void anIncrementalSyncWithoutAVersionRecordWritesABase() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    Result first = h.sync(SyncMode.INCREMENTAL);
    assertThat(first.built().kind()).isEqualTo(Kind.BASE);
    assertThat(first.built().rowsRead()).isEqualTo(20);
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20);
  }

  @Test
  void anIncrementalSyncReadsOnlyTheChangedRowsAndKeepsCountAndChecksumExact() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    write(c -> {
      long v = schema.nextVersion(c);
      SourceSchema.upsert(c, "acme", 3, "updated", 30, v);
      SourceSchema.upsert(c, "acme", 4, null, 40, v);
      SourceSchema.delete(c, "acme", 5, v);
      SourceSchema.upsert(c, "acme", 100, "new", 100, v);
    });

    Result delta = h.sync(SyncMode.INCREMENTAL);

    assertThat(delta.committed()).isTrue();
    assertThat(delta.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(delta.built().rowsRead()).isEqualTo(4); // 2 updates, 1 insert, 1 tombstone
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20);
    TargetVersion incremental = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    assertThat(incremental.chainLength()).isEqualTo(1);
    Result full = h.sync(SyncMode.FULL);
    assertThat(full.built().kind()).isEqualTo(Kind.BASE);
    assertThat(full.built().version().chainLength()).isZero();
    assertThat(full.built().version().rowCount()).isEqualTo(incremental.rowCount());
    assertThat(full.built().version().contentChecksum()).isEqualTo(incremental.contentChecksum());
  }

  @Test
  void aDeltaWhoseKeyIndexCannotBeStoredIsNotCommittedAndTheRetryIsExact() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    int added = addRowsTooManyForAnInlineKeyIndex();

    syncFailsStoring(h, SyncMode.INCREMENTAL, key -> key.endsWith(".keys"), ".keys");

    Result retry = h.sync(SyncMode.INCREMENTAL);
    assertThat(retry.committed()).isTrue();
    assertThat(retry.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(retry.built().newObjects()).anySatisfy(key -> assertThat(key).endsWith(".keys"));
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20 + added);
  }

  @Test
  void aBaseWhoseManifestCannotBeStoredLeavesNoFileBehind() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);

    syncFailsStoring(h, SyncMode.FULL, key -> key.contains("/manifest-"), "manifest-");

    assertThat(h.store.keys()).isEmpty();
    assertThat(h.sync(SyncMode.FULL).committed()).isTrue();
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20);
  }

  @Test
  void aBaseWhoseKeyIndexCannotBeStoredIsCommittedAndTheNextDeltaCountsTheStateByReadingIt() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    int added = addRowsTooManyForAnInlineKeyIndex();

    // The sidecar goes up after the commit; the version does not depend on it.
    h.store.failPuts(key -> key.endsWith(".keys"));
    Result base;
    try {
      base = h.sync(SyncMode.FULL);
    } finally {
      h.store.failPuts(key -> false);
    }
    assertThat(base.committed()).isTrue();
    assertThat(h.store.keys()).isNotEmpty().noneMatch(key -> key.endsWith(".keys"));
    assertThat(h.store.openUploads()).isZero();
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20 + added);

    write(c -> SourceSchema.upsert(c, "acme", 1000, "changed", 1, schema.nextVersion(c)));
    Result delta = h.sync(SyncMode.INCREMENTAL);
    assertThat(delta.committed()).isTrue();
    assertThat(delta.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(delta.built().version().rowCount()).isEqualTo(20 + added);
    assertThat(h.state()).isEqualTo(h.source()).hasSize(20 + added);
  }

  @Test
  void aDeltaWhoseManifestCannotBeStoredLeavesNoFileBehindAndTheRetryIsExact() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    List<String> before = h.store.keys();
    write(c -> SourceSchema.upsert(c, "acme", 1000, "added", 1, schema.nextVersion(c)));

    // The delta file goes up while the manifest is written; the failed build takes it back.
    syncFailsStoring(h, SyncMode.INCREMENTAL, key -> key.contains("/manifest-"), "manifest-");

    assertThat(h.store.keys()).containsExactlyInAnyOrderElementsOf(before);
    Result retry = h.sync(SyncMode.INCREMENTAL);
    assertThat(retry.committed()).isTrue();
    assertThat(retry.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(h.store.keys()).containsAll(retry.built().newObjects());
    assertThat(h.state()).isEqualTo(h.source()).hasSize(21);
  }

  @Test
  void aDeltaFileThatCannotBePublishedIsNotCommittedAndTheRetryIsExact() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    write(c -> SourceSchema.upsert(c, "acme", 1000, "added", 1, schema.nextVersion(c)));

    syncFailsStoring(h, SyncMode.INCREMENTAL, key -> key.contains("/delta-"), "delta-");

    assertThat(h.store.keys()).noneMatch(key -> key.contains("/delta-"));
    assertThat(h.sync(SyncMode.INCREMENTAL).committed()).isTrue();
    assertThat(h.state()).isEqualTo(h.source()).hasSize(21);
  }

  /**
   * Runs one sync while storing the keys {@code failing} accepts fails: the sync throws naming
   * such a key, the version record stays as it was and no upload is left open. Stores work again
   * afterwards.
   */
  private void syncFailsStoring(IncrementalHarness h, SyncMode mode, Predicate<String> failing, String named) {
    Optional<TargetVersion> before = h.versions.current(IncrementalHarness.ACME);
    h.store.failPuts(failing);
    try {
      assertThatThrownBy(() -> h.sync(mode)).isInstanceOf(IOException.class).hasMessageContaining(named);
    } finally {
      h.store.failPuts(key -> false);
    }
    assertThat(h.versions.current(IncrementalHarness.ACME)).isEqualTo(before);
    assertThat(h.store.openUploads()).isZero();
  }

  /** Adds rows in one change version, too many for their key index to travel in the manifest. */
  private int addRowsTooManyForAnInlineKeyIndex() throws SQLException {
    int added = (int) (SnapshotBuilder.INLINE_KEY_INDEX_BYTES / 25) + 1;
    write(c -> {
      long v = schema.nextVersion(c);
      for (int i = 0; i < added; i++) {
        SourceSchema.upsert(c, "acme", 1000 + i, "added", i, v);
      }
    });
    return added;
  }

  @Test
  void aLongChainStoresItsLaterKeyIndexesOnceTheManifestCarriesEnough() throws Exception {
    // A chain far longer than the default: the manifest would otherwise grow with every delta.
    IncrementalHarness h = harness(new CompactionPolicy(100, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    Manifest chain = null;
    int deltas = 0;
    while (deltas < 40 && (chain == null || chain.deltas().getLast().keyIndex() == null)) {
      int round = deltas;
      write(c -> {
        long v = schema.nextVersion(c);
        for (int i = 0; i < 300; i++) {
          SourceSchema.upsert(c, "acme", 1000 + i, "round-" + round, i, v);
        }
      });
      Result result = h.sync(SyncMode.INCREMENTAL);
      assertThat(result.built().kind()).isEqualTo(Kind.DELTA);
      chain = ManifestCodec.decode(h.store.get(result.built().version().manifestKey()));
      assertThat(chain.inlineKeyIndexChars()).isLessThanOrEqualTo(SnapshotBuilder.MAX_INLINE_KEY_INDEX_CHARS);
      deltas++;
    }

    assertThat(chain.deltas().getLast().keyIndex()).as("a stored sidecar after %d deltas", deltas).isNotNull();
    assertThat(chain.deltas().getFirst().keyIndexInline()).isNotNull();
    assertThat(h.store.get(chain.deltas().getLast().keyIndex())).isNotEmpty();
    assertThat(h.state()).isEqualTo(h.source()); // state() checks count and checksum too
  }

  @Test
  void smallFilesKeepTheirKeyIndexesInTheManifestAndCountFromThem() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    Result full = h.sync(SyncMode.FULL);
    write(c -> {
      long v = schema.nextVersion(c);
      SourceSchema.upsert(c, "acme", 3, "updated", 30, v);
      SourceSchema.delete(c, "acme", 5, v);
    });
    Result first = h.sync(SyncMode.INCREMENTAL);
    write(c -> SourceSchema.upsert(c, "acme", 3, "again", 31, schema.nextVersion(c)));
    Result second = h.sync(SyncMode.INCREMENTAL);

    assertThat(first.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(second.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(h.store.keys()).noneSatisfy(key -> assertThat(key).endsWith(".keys"));
    assertThat(full.built().newObjects()).hasSize(2); // the file and the manifest
    assertThat(second.built().newObjects()).hasSize(2);
    Manifest chain = ManifestCodec.decode(h.store.get(second.built().version().manifestKey()));
    assertThat(chain.objects()).hasSize(3).allSatisfy(object -> {
      assertThat(object.keyIndex()).isNull();
      assertThat(object.keyIndexInline()).isNotNull();
    });
    assertThat(h.state()).isEqualTo(h.source()).hasSize(19); // state() checks count and checksum too
  }

  @Test
  void deletesReinsertsOfTheSameKeyAndKeyUpdatesReachTheSnapshot() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    write(c -> SourceSchema.delete(c, "acme", 7, schema.nextVersion(c)));
    write(c -> SourceSchema.upsert(c, "acme", 7, "back again", 77, schema.nextVersion(c)));
    write(c -> SourceSchema.changeKey(c, "acme", 8, 800, schema.nextVersion(c)));
    write(c -> SourceSchema.delete(c, "acme", 9, schema.nextVersion(c)));
    h.sync(SyncMode.INCREMENTAL);
    assertThat(h.state()).isEqualTo(h.source()).anyMatch(r -> r.contains("back again")).anyMatch(r -> r.startsWith("[800,"));

    // Deleted, re-inserted and deleted again across syncs.
    write(c -> SourceSchema.upsert(c, "acme", 9, "reborn", 9, schema.nextVersion(c)));
    h.sync(SyncMode.INCREMENTAL);
    write(c -> SourceSchema.delete(c, "acme", 9, schema.nextVersion(c)));
    write(c -> SourceSchema.changeKey(c, "acme", 800, 8, schema.nextVersion(c)));
    h.sync(SyncMode.INCREMENTAL);
    assertThat(h.state()).isEqualTo(h.source()).hasSize(19);
  }

  @Test
  void anEmptyDeltaWritesNoObjectAndAnIdleSyncLeavesTheVersionRecordAsItIs() throws Exception {
    // The default overlap re-reads recent versions on H2 (here: every row, so the byte-ratio
    // compaction is set out of the way): still nothing new to store.
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), ChangeReadSettings.defaults());
    h.sync(SyncMode.FULL);
    write(c -> SourceSchema.upsert(c, "acme", 1, "changed", 1, schema.nextVersion(c)));
    h.sync(SyncMode.INCREMENTAL);
    TargetVersion before = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    List<String> objects = h.store.keys();

    Result again = h.sync(SyncMode.INCREMENTAL);

    assertThat(again.committed()).isTrue();
    assertThat(again.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(again.built().rowsRead()).isPositive(); // the overlap window was re-read
    assertThat(h.store.keys()).isEqualTo(objects);
    TargetVersion after = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    // Same watermark, same shape: the record (run and time of the last change) is not rewritten.
    assertThat(again.built().commits(before.sequence())).isFalse();
    assertThat(after).isEqualTo(before);
    assertThat(h.state()).isEqualTo(h.source());

    // Without an overlap nothing is read at all.
    IncrementalHarness exact = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    exact.sync(SyncMode.FULL);
    Result none = exact.sync(SyncMode.INCREMENTAL);
    assertThat(none.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(none.built().rowsRead()).isZero();
    assertThat(none.built().newObjects()).isEmpty();
    assertThat(none.built().commits(none.built().version().sequence())).isFalse();
  }

  @Test
  void anUnchangedSyncWhoseWatermarkMovedRecordsItInANewSequence() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    TargetVersion full = h.sync(SyncMode.FULL).built().version();
    // As if the last sync could not settle: its record holds a watermark below the source's.
    TargetVersion behind = recordAfter(full, full.watermark() - 1, "run-behind", full.shape());
    assertThat(h.versions.commit(behind, full.sequence())).isTrue();

    Result idle = h.sync(SyncMode.INCREMENTAL);

    assertThat(idle.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(idle.committed()).isTrue();
    TargetVersion after = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    assertThat(after.sequence()).isEqualTo(behind.sequence() + 1);
    assertThat(after.watermark()).isEqualTo(full.watermark());
    assertThat(after.manifestKey()).isEqualTo(full.manifestKey());
    assertThat(after.runId()).isNotEqualTo(behind.runId());
    assertThat(h.state()).isEqualTo(h.source());
  }

  @Test
  void aChainWrittenBeforeKeyIndexesIsRecountedAndStaysExact() throws Exception {
    // Deltas of this tiny base are as big as the base: keep the byte-ratio compaction out of the way.
    IncrementalHarness h = harness(new CompactionPolicy(8, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    // Make the committed manifest look like one of schema version 1: no sidecars, and none stored.
    TargetVersion full = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    Manifest written = ManifestCodec.decode(h.store.get(full.manifestKey()));
    assertThat(written.base().keyIndex()).isNull(); // a small base's is inline
    String legacy =
        new String(ManifestCodec.encode(written), StandardCharsets.UTF_8)
            .replace("\"schemaVersion\" : " + Manifest.CURRENT_SCHEMA_VERSION, "\"schemaVersion\" : 1")
            .replaceAll(",\\s*\"keyIndexInline\" : \"[^\"]*\"", "");
    // Under a key of its own, as a commit of an older worker would have written it.
    String legacyKey = full.manifestKey().replace(".json", "-legacy.json");
    h.store.put(legacyKey, legacy.getBytes(StandardCharsets.UTF_8), ManifestCodec.CONTENT_TYPE);
    assertThat(ManifestCodec.decode(h.store.get(legacyKey)).keyIndexed()).isFalse();
    assertThat(h.versions.commit(
            new TargetVersion(full.target(), full.sequence() + 1, full.watermark(), legacyKey, full.rowCount(),
                full.contentChecksum(), 0, "run-legacy", full.committedAt()),
            full.sequence()))
        .isTrue();

    write(c -> {
      long v = schema.nextVersion(c);
      SourceSchema.upsert(c, "acme", 3, "updated", 30, v);
      SourceSchema.delete(c, "acme", 5, v);
      SourceSchema.upsert(c, "acme", 101, "new", 101, v);
    });
    Result first = h.sync(SyncMode.INCREMENTAL);
    write(c -> SourceSchema.delete(c, "acme", 101, schema.nextVersion(c)));
    Result second = h.sync(SyncMode.INCREMENTAL);

    assertThat(first.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(second.built().kind()).isEqualTo(Kind.DELTA);
    Manifest chain = ManifestCodec.decode(h.store.get(second.built().version().manifestKey()));
    assertThat(chain.schemaVersion()).isEqualTo(Manifest.CURRENT_SCHEMA_VERSION);
    assertThat(chain.base().hasKeyIndex()).isFalse();
    assertThat(chain.deltas()).allSatisfy(delta -> assertThat(delta.hasKeyIndex()).isTrue());
    assertThat(h.state()).isEqualTo(h.source()).hasSize(19); // state() checks count and checksum too
    Result recount = h.sync(SyncMode.FULL);
    assertThat(recount.built().version().contentChecksum()).isEqualTo(second.built().version().contentChecksum());
  }

  @Test
  void compactionKeepsChainsBoundedAndTheStateExact() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(3, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    int bases = 0;
    for (int round = 0; round < 10; round++) {
      int r = round;
      write(c -> {
        long v = schema.nextVersion(c);
        SourceSchema.upsert(c, "acme", 1 + r, "round " + r, r, v);
        SourceSchema.delete(c, "acme", 11 + r, v);
      });
      Result result = h.sync(SyncMode.INCREMENTAL);
      assertThat(result.built().version().chainLength()).isLessThanOrEqualTo(3);
      assertThat(ManifestCodec.decode(h.store.get(result.built().version().manifestKey())).deltas()).hasSizeLessThanOrEqualTo(3);
      bases += result.built().kind() == Kind.BASE ? 1 : 0;
      assertThat(h.state()).isEqualTo(h.source());
    }
    assertThat(bases).isEqualTo(2); // after 3 deltas, the 4th sync compacts: rounds 4 and 8
    // A large delta relative to its base compacts too, on the next sync with something to add.
    IncrementalHarness bytes = harness(new CompactionPolicy(100, 0.01), NO_OVERLAP);
    bytes.sync(SyncMode.FULL);
    write(c -> SourceSchema.upsert(c, "acme", 1, "x".repeat(100), 1, schema.nextVersion(c)));
    assertThat(bytes.sync(SyncMode.INCREMENTAL).built().kind()).isEqualTo(Kind.DELTA);
    write(c -> SourceSchema.upsert(c, "acme", 2, "y", 2, schema.nextVersion(c)));
    assertThat(bytes.sync(SyncMode.INCREMENTAL).built().kind()).isEqualTo(Kind.BASE);
    assertThat(bytes.state()).isEqualTo(bytes.source());
  }

  @Test
  void aSyncWithNothingToAddLeavesAChainDueForCompactionAsItIs() throws Exception {
    IncrementalHarness h = harness(new CompactionPolicy(1, 100), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    write(c -> SourceSchema.upsert(c, "acme", 1, "changed", 1, schema.nextVersion(c)));
    assertThat(h.sync(SyncMode.INCREMENTAL).built().kind()).isEqualTo(Kind.DELTA);

    // The chain is at its limit, but an idle sync adds nothing to it: no new base for no change.
    Result idle = h.sync(SyncMode.INCREMENTAL);
    assertThat(idle.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(idle.built().version().chainLength()).isEqualTo(1);
    write(c -> SourceSchema.upsert(c, "acme", 2, "changed", 2, schema.nextVersion(c)));
    Result next = h.sync(SyncMode.INCREMENTAL);
    assertThat(next.built().kind()).isEqualTo(Kind.BASE);
    assertThat(next.built().version().chainLength()).isZero();
    assertThat(h.state()).isEqualTo(h.source());
  }

  @Test
  void aSyncWithNothingChangedReadsNoManifestWhenTheVersionRecordsItsShape() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    TargetVersion full = h.sync(SyncMode.FULL).built().version();
    assertThat(full.shape()).isEqualTo(SnapshotShape.of(IncrementalHarness.ITEMS));
    h.restartWorker(); // another worker: no manifest in its cache

    Result idle = h.sync(SyncMode.INCREMENTAL);

    assertThat(idle.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(idle.built().version().shape()).isEqualTo(full.shape());
    assertThat(h.store.gets(full.manifestKey())).isZero();

    // Changes need it: read once, for the compaction check and the new manifest.
    write(c -> SourceSchema.upsert(c, "acme", 1, "changed", 1, schema.nextVersion(c)));
    Result delta = h.sync(SyncMode.INCREMENTAL);
    assertThat(delta.built().kind()).isEqualTo(Kind.DELTA);
    assertThat(delta.built().version().shape()).isEqualTo(full.shape());
    assertThat(h.store.gets(full.manifestKey())).isEqualTo(1);
    assertThat(h.state()).isEqualTo(h.source());
  }

  @Test
  void aVersionWithoutAShapeIsCheckedAgainstItsManifestAndThenRecordsOne() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    TargetVersion full = h.sync(SyncMode.FULL).built().version();
    // As committed before version records carried a shape.
    TargetVersion legacy = recordAfter(full, full.watermark(), "run-legacy", null);
    assertThat(h.versions.commit(legacy, full.sequence())).isTrue();
    h.restartWorker();

    Result idle = h.sync(SyncMode.INCREMENTAL);

    assertThat(idle.built().kind()).isEqualTo(Kind.UNCHANGED);
    assertThat(h.store.gets(full.manifestKey())).isEqualTo(1);
    assertThat(idle.built().version().shape()).isEqualTo(SnapshotShape.of(IncrementalHarness.ITEMS));
  }

  @Test
  void aChangedDeclarationWritesANewBaseEvenWithNothingChanged() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    TargetDeclaration items = IncrementalHarness.ITEMS;
    List<ColumnDeclaration> fewer =
        items.columns().stream().filter(column -> !column.name().equals("amount")).toList();
    TargetDeclaration withoutAmount =
        new TargetDeclaration(
            items.name(), items.table(), items.clientColumn(), items.keyColumns(), items.versionColumn(), fewer,
            items.deletes(), 0);

    Result reshaped = h.sync(SyncMode.INCREMENTAL, withoutAmount);

    assertThat(reshaped.built().kind()).isEqualTo(Kind.BASE);
    assertThat(reshaped.built().version().shape()).isEqualTo(SnapshotShape.of(withoutAmount));
    Manifest manifest = ManifestCodec.decode(h.store.get(reshaped.built().version().manifestKey()));
    assertThat(manifest.columns()).isEqualTo(fewer);
    assertThat(SnapshotShape.of(manifest)).isEqualTo(SnapshotShape.of(withoutAmount));
    // Back to the declaration the version does not record: a base again.
    assertThat(h.sync(SyncMode.INCREMENTAL).built().kind()).isEqualTo(Kind.BASE);
    assertThat(h.sync(SyncMode.INCREMENTAL).built().kind()).isEqualTo(Kind.UNCHANGED);
  }

  @Test
  void twoWorkersCommittingTheSameTargetFromTheSameVersionYieldExactlyOneCommit() throws Exception {
    IncrementalHarness h = harness(CompactionPolicy.defaults(), NO_OVERLAP);
    h.sync(SyncMode.FULL);
    write(c -> SourceSchema.upsert(c, "acme", 2, "raced", 2, schema.nextVersion(c)));
    Optional<TargetVersion> read = h.versions.current(IncrementalHarness.ACME);
    BuiltSnapshot first = h.build(SyncMode.INCREMENTAL, read);
    BuiltSnapshot stale = h.build(SyncMode.INCREMENTAL, read);
    long expected = read.orElseThrow().sequence();

    assertThat(h.versions.commit(first.version(), expected)).isTrue();
    assertThat(h.versions.commit(stale.version(), expected)).isFalse();
    h.builder.discard(stale);

    assertThat(h.versions.history(IncrementalHarness.ACME)).extracting(TargetVersion::sequence).containsExactly(2L, 1L);
    assertThat(h.versions.current(IncrementalHarness.ACME).orElseThrow().manifestKey()).isEqualTo(first.version().manifestKey());
    assertThat(stale.newObjects()).isNotEmpty().allSatisfy(key -> assertThat(h.store.keys()).doesNotContain(key));
    assertThat(first.newObjects()).allSatisfy(key -> assertThat(h.store.keys()).contains(key));
    // A stale replay of the first sync's version cannot roll the target back either.
    assertThat(h.versions.commit(first.version(), expected)).isFalse();
    assertThat(h.state()).isEqualTo(h.source());
  }

  /** The next record of the same snapshot, as another run would have committed it. */
  private static TargetVersion recordAfter(TargetVersion version, long watermark, String runId, String shape) {
    return new TargetVersion(
        version.target(), version.sequence() + 1, watermark, version.manifestKey(), version.rowCount(),
        version.contentChecksum(), version.chainLength(), runId, version.committedAt(), shape);
  }
}
