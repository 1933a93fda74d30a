package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.testing.SettableClock;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A target through full sync, incremental syncs and another full sync, over the embedded S3 and
 * dynalite with the real SDK: the objects a new version no longer references stay readable for the
 * grace period and are deleted by the first commit after it, so the target's prefix holds what the
 * current manifest references and what it still lists as retired, nothing more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetiredObjectsOverS3IT {
  private static final int ROWS = 500; // a 12.5 kB key index: stored as an object, not inline
  private static final Duration GRACE = Duration.ofHours(6);

  private ItemsOverS3 world;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-05T10:00:00Z"));
  private TargetSyncs syncs;
  private TargetProcessor processor;
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final RetiredObjectDeletions deletions = new CountingDeletions(deleted, failed);

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("retired-objects", ROWS);
    syncs = new TargetSyncs(world, clock);
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, syncs.config.clientsQuery(), 100, clock), world.store,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            // No compaction by size: the small deltas stay deltas, and only the full sync writes a new base.
            new SnapshotBuilder.Upkeep(
                new CompactionPolicy(CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH, 100), GRACE, deletions,
                OrphanSweeps.NONE), clock);
    processor = syncs.processor(builder);
  }

  @AfterAll
  void stop() throws SQLException {
    world.close();
  }

  @Test
  void objectsSupersededByAFullSyncAreDeletedByTheFirstCommitAfterTheGraceAndNotBefore() throws Exception {
    TargetVersion first = sync(SyncMode.FULL);
    Set<String> firstObjects = syncs.stored(first);
    // Enough changed rows for the delta's key index to be an object of its own too.
    syncs.changeRows("id <= 400");
    TargetVersion delta = sync(SyncMode.INCREMENTAL);
    assertThat(delta.chainLength()).isEqualTo(1);
    Set<String> deltaObjects = syncs.stored(delta);
    assertThat(deltaObjects).as("the delta's file and its key index sidecar are objects")
        .hasSize(firstObjects.size() + 2);
    Manifest deltaManifest = syncs.manifest(delta);
    assertThat(deltaManifest.retired()).as("a delta retires the manifest it replaces")
        .containsExactly(new RetiredObject(first.manifestKey(), delta.committedAt()));

    clock.advance(Duration.ofMinutes(1));
    TargetVersion second = sync(SyncMode.FULL);
    assertThat(second.chainLength()).isZero();
    assertThat(syncs.keys("snapshots/")).as("within the grace, every superseded object stays")
        .containsAll(deltaObjects).containsAll(syncs.stored(second));
    assertThat(readRows(deltaManifest)).as("a reader of the previous version still reads it whole").isEqualTo(ROWS);
    Set<String> retiredByFullSync = new HashSet<>(deltaObjects);
    retiredByFullSync.add(first.manifestKey());
    assertThat(syncs.retiredKeys(second)).as("the new base retires the old base, its delta, their sidecars and manifests")
        .isEqualTo(retiredByFullSync);
    assertThat(syncs.manifest(second).retired()).filteredOn(r -> deltaObjects.contains(r.key()))
        .allSatisfy(r -> assertThat(r.retiredAt()).isEqualTo(second.committedAt()));

    clock.advance(GRACE.minus(Duration.ofMinutes(2)));
    syncs.changeRows("id = 1");
    TargetVersion beforeGrace = sync(SyncMode.INCREMENTAL);
    assertThat(syncs.keys("snapshots/")).as("a commit before the grace is over deletes nothing")
        .containsAll(deltaObjects).contains(first.manifestKey());
    assertThat(deleted).hasValue(0);
    assertThat(syncs.retiredKeys(beforeGrace)).as("carried forward, with the manifest it replaces")
        .containsAll(retiredByFullSync).contains(second.manifestKey());
    assertThat(readRows(deltaManifest)).isEqualTo(ROWS);

    clock.advance(Duration.ofMinutes(2));
    syncs.changeRows("id = 2");
    TargetVersion afterGrace = sync(SyncMode.INCREMENTAL);
    assertThat(afterGrace.chainLength()).isEqualTo(2);

    // Still within the grace: the manifests the last two commits replaced (readers may hold them).
    Set<String> expected = syncs.stored(afterGrace);
    expected.add(second.manifestKey());
    expected.add(beforeGrace.manifestKey());
    assertThat(syncs.keys("snapshots/")).as("what the current version references and what it retired within the grace")
        .containsExactlyInAnyOrderElementsOf(expected)
        .doesNotContainAnyElementsOf(retiredByFullSync);
    assertThat(syncs.retiredKeys(afterGrace)).as("the deleted are no longer listed")
        .containsExactlyInAnyOrder(second.manifestKey(), beforeGrace.manifestKey());
    assertThat(deleted).hasValue(retiredByFullSync.size());
    assertThat(failed).hasValue(0);
  }

  private TargetVersion sync(SyncMode mode) throws Exception {
    return syncs.sync(processor, mode);
  }

  private long readRows(Manifest manifest) throws Exception {
    long rows = 0;
    try (CloseableIterator<Object[]> iterator = SnapshotReader.open(world.store, manifest).rows()) {
      while (iterator.hasNext()) {
        iterator.next();
        rows++;
      }
    }
    return rows;
  }
}
