package dev.storagebuilder.worker.pipeline;

import static dev.storagebuilder.worker.pipeline.TargetSyncs.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.testing.SettableClock;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.storagebuilder.worker.testing.ForwardingObjectStore;

/**
 * Objects no manifest lists as retired, over the embedded S3 and dynalite with the real SDK: what a
 * version superseded before manifests listed retired objects referenced, and what an attempt
 * killed after its uploads left. The first build on top of a pre-retirement manifest lists the
 * target's prefix and retires them; the first commit after the grace deletes them. Live objects,
 * objects younger than the grace, neighbouring targets' objects and anything the worker did not
 * name stay.
 *
 * <p>S3 stamps LastModified with the real time; the worker's clock is moved to just short of the
 * grace after the young object was stored, so the objects stored a few real seconds before it are
 * old enough and it is not.
 *
 * <p>A target whose syncs find nothing to change builds no manifest: its unchanged syncs sweep once
 * it has been idle for the grace, and commit a new manifest of the same files when that retires
 * leftovers or deletes more than the manifest it replaces.
 */
class LeftoverObjectsOverS3IT {
  private static final AtomicInteger WORLDS = new AtomicInteger();
  private static final int ROWS = 500; // a 12.5 kB key index: stored as an object, not inline
  private static final Duration GRACE = Duration.ofHours(6);
  private static final int SWEEP_EVERY = 8;

  private ItemsOverS3 world;
  private final SettableClock clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final AtomicInteger lists = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger sweptObjects = new AtomicInteger();
  private final StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(99));
  private TargetSyncs syncs;
  private TargetProcessor processor;

  @BeforeEach
  void start() throws SQLException {
    // A world per test: the in-memory source database outlives its connection in this JVM.
    world = new ItemsOverS3("leftover-objects-" + WORLDS.incrementAndGet(), ROWS);
    syncs = new TargetSyncs(world, clock);
    processor = newWorker(7);
  }

  @AfterEach
  void stop() throws SQLException {
    world.close();
  }

  /** A worker with nothing cached, as one of a new release starts. */
  private TargetProcessor newWorker(int seed) {
    RetiredObjectDeletions counted = new CountingDeletions(deleted);
    OrphanSweeps sweeps = new OrphanSweeps() {
      @Override
      public void listed() {}

      @Override
      public void listingFailed() {}

      @Override
      public void retired(int objects) {
        sweptObjects.addAndGet(objects);
      }
    };
    SnapshotBuilder.Upkeep upkeep = new SnapshotBuilder.Upkeep(
        new CompactionPolicy(CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH, 100), GRACE, counted, sweeps,
        new OrphanSweep(SWEEP_EVERY, OrphanSweep.DEFAULT_MAX_OBJECTS));
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, syncs.config.clientsQuery(), 100, clock),
            new ListCounting(world.store), StorageLayout.withRandom("snapshots/", new Random(seed)),
            SnapshotWriterOptions.defaults(), upkeep, clock);
    return syncs.processor(builder);
  }

  @Test
  void preReleaseAndCrashLeftoversAreRetiredByOneListingAndDeletedAfterTheGraceWhileLiveYoungAndForeignStay()
      throws Exception {
    TargetVersion first = sync(SyncMode.FULL);
    Set<String> firstObjects = syncs.stored(first);
    TargetVersion second = sync(SyncMode.FULL);
    // As a release before retired lists wrote it: the first version's objects are left to no one.
    Manifest written = syncs.manifest(second);
    world.store.put(second.manifestKey(), ManifestCodec.encode(withoutRetiredList(written)), "application/json");
    // An attempt at sequence 3 killed after its uploads, before committing or cleaning up.
    String crashedBase = names.baseKey(ACME, 3);
    Set<String> crashed = Set.of(crashedBase, names.keyIndexKey(crashedBase), names.manifestKey(ACME, 3));
    // Neighbours a prefix without its '/' would take, and a file under the prefix the worker did not name.
    Set<String> foreign = Set.of(
        names.baseKey(new TargetRef("acme1", "items"), 3),
        names.baseKey(new TargetRef("acme", "items2"), 3),
        names.targetPrefix(ACME) + "README.txt",
        names.targetPrefix(ACME) + "old/" + crashedBase.substring(names.targetPrefix(ACME).length()));
    for (String key : union(crashed, foreign)) {
      put(key);
    }
    Instant oldest = lastModified().values().stream().max(Instant::compareTo).orElseThrow();
    // S3 stamps by its own clock: the young object must be stored at least a second after the rest.
    await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(oldest.plusSeconds(2)));
    String young = names.deltaKey(ACME, 3);
    put(young);
    Instant youngStored = lastModified().get(young);
    assertThat(youngStored).isAfter(oldest);
    // A new release's worker, at a time the others are older than the grace and the young one is not.
    processor = newWorker(8);
    clock.set(youngStored.plus(GRACE).minusSeconds(1));

    syncs.changeRows("id <= 400");
    TargetVersion swept = sync(SyncMode.INCREMENTAL);
    assertThat(lists).as("one listing, by the first build on top of the pre-release manifest").hasValue(1);
    Set<String> leftovers = union(firstObjects, crashed);
    assertThat(syncs.retiredKeys(swept)).as("the leftovers and the manifest the delta replaces")
        .containsExactlyInAnyOrderElementsOf(union(leftovers, Set.of(second.manifestKey())));
    assertThat(syncs.manifest(swept).retired()).extracting(RetiredObject::retiredAt).containsOnly(swept.committedAt());
    assertThat(syncs.keys("")).as("retired, not deleted: the grace applies").containsAll(leftovers);

    clock.advance(GRACE);
    syncs.changeRows("id = 1");
    TargetVersion afterGrace = sync(SyncMode.INCREMENTAL);
    assertThat(lists).as("no listing outside a sweep").hasValue(1);
    assertThat(deleted).hasValue(leftovers.size() + 1);
    Set<String> expected = union(syncs.stored(afterGrace), foreign);
    expected.add(young);
    expected.add(swept.manifestKey()); // retired by this commit, within its grace
    assertThat(syncs.keys("")).as("live, young and foreign objects stay; the leftovers are gone")
        .containsExactlyInAnyOrderElementsOf(expected);

    // The periodic sweep finds the once young object.
    TargetVersion periodic = afterGrace;
    while (periodic.sequence() < SWEEP_EVERY) {
      syncs.changeRows("id = " + (periodic.sequence() + 1));
      periodic = sync(SyncMode.INCREMENTAL);
    }
    assertThat(lists).as("one more listing at sequence %s", SWEEP_EVERY).hasValue(2);
    assertThat(syncs.retiredKeys(periodic)).contains(young).doesNotContainAnyElementsOf(foreign);
    clock.advance(GRACE);
    syncs.changeRows("id = 2");
    TargetVersion last = sync(SyncMode.INCREMENTAL);
    assertThat(syncs.keys("")).doesNotContain(young).containsAll(foreign).containsAll(syncs.stored(last));
  }

  /**
   * Upgraded, then never changed: no build writes a manifest, so before unchanged syncs swept, the
   * objects releases before retired lists superseded and a killed attempt's uploads stayed for good.
   */
  @Test
  void anIdleTargetsUnchangedSyncsRetireItsLeftoversDeleteThemAfterTheGraceAndThenLeaveItBe() throws Exception {
    TargetVersion first = sync(SyncMode.FULL);
    Set<String> firstObjects = syncs.stored(first);
    TargetVersion second = sync(SyncMode.FULL);
    Manifest written = syncs.manifest(second);
    world.store.put(second.manifestKey(), ManifestCodec.encode(withoutRetiredList(written)), "application/json");
    String crashedBase = names.baseKey(ACME, 3);
    Set<String> crashed = Set.of(crashedBase, names.keyIndexKey(crashedBase), names.manifestKey(ACME, 3));
    for (String key : crashed) {
      put(key);
    }
    Set<String> leftovers = union(firstObjects, crashed);
    Instant stored = lastModified().values().stream().max(Instant::compareTo).orElseThrow();
    processor = newWorker(8);
    // Nothing changed for the grace since the last commit and the last upload.
    clock.set((stored.isAfter(second.committedAt()) ? stored : second.committedAt()).plus(GRACE));

    TargetVersion swept = sync(SyncMode.INCREMENTAL);

    assertThat(lists).as("the unchanged sync lists the prefix once").hasValue(1);
    assertThat(swept.sequence()).isEqualTo(3);
    assertThat(swept.manifestKey()).isNotEqualTo(second.manifestKey());
    assertThat(List.of(swept.watermark(), swept.rowCount(), (long) swept.chainLength()))
        .as("the same state").containsExactly(second.watermark(), second.rowCount(), (long) second.chainLength());
    assertThat(swept.contentChecksum()).isEqualTo(second.contentChecksum());
    Manifest sweptManifest = syncs.manifest(swept);
    assertThat(sweptManifest.schemaVersion()).isEqualTo(Manifest.CURRENT_SCHEMA_VERSION);
    assertThat(sweptManifest.sequence()).isEqualTo(3);
    assertThat(sweptManifest.objects()).as("the same files").isEqualTo(written.objects());
    assertThat(syncs.retiredKeys(swept)).as("the leftovers and the manifest it replaces")
        .containsExactlyInAnyOrderElementsOf(union(leftovers, Set.of(second.manifestKey())));
    assertThat(sweptManifest.retired()).extracting(RetiredObject::retiredAt).containsOnly(swept.committedAt());
    assertThat(sweptObjects).hasValue(leftovers.size());
    assertThat(syncs.keys("")).as("retired, not deleted: the grace applies").containsAll(leftovers);

    assertThat(syncs.run(processor, SyncMode.INCREMENTAL)).as("committed just now: not idle")
        .isEqualTo(new Outcome.Done("unchanged at sequence 3"));
    assertThat(lists).hasValue(1);

    clock.advance(GRACE);
    TargetVersion cleaned = sync(SyncMode.INCREMENTAL);
    assertThat(cleaned.sequence()).isEqualTo(4);
    assertThat(lists).hasValue(2);
    assertThat(deleted).hasValue(leftovers.size() + 1);
    assertThat(syncs.keys("")).as("the leftovers are gone; the manifest it replaced waits for its grace")
        .containsExactlyInAnyOrderElementsOf(union(syncs.stored(cleaned), Set.of(swept.manifestKey())));

    // Only that manifest is due now: a version deleting it would leave one of its own, forever.
    clock.advance(GRACE);
    assertThat(syncs.run(processor, SyncMode.INCREMENTAL)).isEqualTo(new Outcome.Done("unchanged at sequence 4"));
    assertThat(lists).hasValue(3);
    assertThat(syncs.run(processor, SyncMode.INCREMENTAL)).as("this worker leaves it be for a while")
        .isEqualTo(new Outcome.Done("unchanged at sequence 4"));
    assertThat(lists).hasValue(3);
    clock.advance(OrphanSweep.IDLE_RECHECK);
    assertThat(syncs.run(processor, SyncMode.INCREMENTAL)).isEqualTo(new Outcome.Done("unchanged at sequence 4"));
    assertThat(lists).hasValue(4);
    assertThat(syncs.versions.current(ACME)).contains(cleaned);
    assertThat(deleted).hasValue(leftovers.size() + 1);
  }

  private TargetVersion sync(SyncMode mode) throws Exception {
    return syncs.sync(processor, mode);
  }

  private void put(String key) throws IOException {
    world.store.put(key, ("left by a test: " + key).getBytes(StandardCharsets.UTF_8), "application/octet-stream");
  }

  private static Manifest withoutRetiredList(Manifest m) {
    return new Manifest(3, m.clientId(), m.target(), m.sequence(), m.watermark(), m.columns(), m.keyColumns(),
        m.versionColumn(), m.base(), m.deltas(), m.rowCount(), m.contentChecksum(), m.runId(), m.createdAt(),
        List.of());
  }

  private Map<String, Instant> lastModified() throws Exception {
    return world.store.listObjects("").stream()
        .collect(Collectors.toMap(ListedObject::key, ListedObject::lastModified));
  }

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    Set<String> all = new HashSet<>();
    for (Set<String> set : sets) {
      all.addAll(set);
    }
    return all;
  }

  /** The store, counting the worker's listings. */
  private final class ListCounting extends ForwardingObjectStore {
    ListCounting(ObjectStore delegate) {
      super(delegate);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
      lists.incrementAndGet();
      return super.list(prefix);
    }

    @Override
    public List<ListedObject> listObjects(String prefix) throws IOException {
      lists.incrementAndGet();
      return super.listObjects(prefix);
    }

    @Override
    public void forEachObject(String prefix, Predicate<ListedObject> visitor) throws IOException {
      lists.incrementAndGet();
      super.forEachObject(prefix, visitor);
    }
  }
}
