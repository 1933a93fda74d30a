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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeftoverObjectsOverS3IT {
  private static final int ROWS = 500; // a 12.5 kB key index: stored as an object, not inline
  private static final Duration GRACE = Duration.ofHours(6);
  private static final int SWEEP_EVERY = 8;

  private ItemsOverS3 world;
  private final SettableClock clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final AtomicInteger lists = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(99));
  private TargetSyncs syncs;
  private TargetProcessor processor;

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("leftover-objects", ROWS);
    syncs = new TargetSyncs(world, clock);
    processor = newWorker(7);
  }

  @AfterAll
  void stop() throws SQLException {
    world.close();
  }

  /** A worker with nothing cached, as one of a new release starts. */
  private TargetProcessor newWorker(int seed) {
    RetiredObjectDeletions counted = new RetiredObjectDeletions() {
      @Override
      public void deleted() {
        deleted.incrementAndGet();
      }

      @Override
      public void failed() {}
    };
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, syncs.config.clientsQuery(), 100, clock),
            new ListCounting(world.store), StorageLayout.withRandom("snapshots/", new Random(seed)),
            SnapshotWriterOptions.defaults(), new CompactionPolicy(CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH, 100),
            GRACE, counted, new OrphanSweep(SWEEP_EVERY, OrphanSweep.DEFAULT_MAX_OBJECTS), clock);
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
