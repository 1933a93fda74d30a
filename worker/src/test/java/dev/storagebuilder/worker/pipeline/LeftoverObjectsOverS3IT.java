package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.ContentSource;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.storage.RandomAccessObject;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
  private static final TargetRef ACME = new TargetRef("acme", "items");
  private static final Duration GRACE = Duration.ofHours(6);
  private static final int SWEEP_EVERY = 8;

  private ItemsOverS3 world;
  private final MovableClock clock = new MovableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final AtomicInteger lists = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(99));
  private DynamoVersionLedger versions;
  private DynamoRunLedger runs;
  private SourceConfig config;
  private TargetProcessor processor;
  private int runs_ = 0;

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("leftover-objects", ROWS);
    LedgerTables.ensure(world.aws.dynamo(), world.aws.settings());
    versions = new DynamoVersionLedger(world.aws.dynamo(), world.aws.settings().versionsTable());
    runs = new DynamoRunLedger(world.aws.dynamo(), world.aws.settings().runsTable());
    config = new SourceConfig(world.dataSource.getURL(), null, null, "SELECT 'acme'", List.of(ItemsOverS3.ITEMS));
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
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, config.clientsQuery(), 100, clock),
            new ListCounting(world.store), StorageLayout.withRandom("snapshots/", new Random(seed)),
            SnapshotWriterOptions.defaults(), new CompactionPolicy(CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH, 100),
            GRACE, counted, new OrphanSweep(SWEEP_EVERY, OrphanSweep.DEFAULT_MAX_OBJECTS), clock);
    return new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
  }

  @Test
  void preReleaseAndCrashLeftoversAreRetiredByOneListingAndDeletedAfterTheGraceWhileLiveYoungAndForeignStay()
      throws Exception {
    TargetVersion first = sync(SyncMode.FULL);
    Set<String> firstObjects = stored(first);
    TargetVersion second = sync(SyncMode.FULL);
    // As a release before retired lists wrote it: the first version's objects are left to no one.
    Manifest written = manifest(second);
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

    changeRows("id <= 400");
    TargetVersion swept = sync(SyncMode.INCREMENTAL);
    assertThat(lists).as("one listing, by the first build on top of the pre-release manifest").hasValue(1);
    Set<String> leftovers = union(firstObjects, crashed);
    assertThat(retiredKeys(swept)).as("the leftovers and the manifest the delta replaces")
        .containsExactlyInAnyOrderElementsOf(union(leftovers, Set.of(second.manifestKey())));
    assertThat(manifest(swept).retired()).extracting(RetiredObject::retiredAt).containsOnly(swept.committedAt());
    assertThat(keys()).as("retired, not deleted: the grace applies").containsAll(leftovers);

    clock.advance(GRACE);
    changeRows("id = 1");
    TargetVersion afterGrace = sync(SyncMode.INCREMENTAL);
    assertThat(lists).as("no listing outside a sweep").hasValue(1);
    assertThat(deleted).hasValue(leftovers.size() + 1);
    Set<String> expected = union(stored(afterGrace), foreign);
    expected.add(young);
    expected.add(swept.manifestKey()); // retired by this commit, within its grace
    assertThat(keys()).as("live, young and foreign objects stay; the leftovers are gone")
        .containsExactlyInAnyOrderElementsOf(expected);

    // The periodic sweep finds the once young object.
    TargetVersion periodic = afterGrace;
    while (periodic.sequence() < SWEEP_EVERY) {
      changeRows("id = " + (periodic.sequence() + 1));
      periodic = sync(SyncMode.INCREMENTAL);
    }
    assertThat(lists).as("one more listing at sequence %s", SWEEP_EVERY).hasValue(2);
    assertThat(retiredKeys(periodic)).contains(young).doesNotContainAnyElementsOf(foreign);
    clock.advance(GRACE);
    changeRows("id = 2");
    TargetVersion last = sync(SyncMode.INCREMENTAL);
    assertThat(keys()).doesNotContain(young).containsAll(foreign).containsAll(stored(last));
  }

  private TargetVersion sync(SyncMode mode) throws Exception {
    String runId = "run-" + (++runs_);
    runs.createRun(new RunRecord(runId, "all", mode, "test", clock.instant(), 1));
    ReceivedMessage received = new ReceivedMessage("m-" + runs_,
        TargetMessageCodec.encode(TargetMessage.of(runId, ACME, mode, clock.instant())), "handle", 1, Map.of(),
        clock.instant());
    Outcome outcome = processor.process(received);
    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    TargetVersion current = versions.current(ACME).orElseThrow();
    assertThat(current.runId()).as("run %s committed", runId).isEqualTo(runId);
    return current;
  }

  private void changeRows(String where) throws SQLException {
    try (Statement sql = world.keepAlive.createStatement()) {
      sql.execute("UPDATE items SET label = 'changed " + runs_ + "', version = version + " + (ROWS * (runs_ + 1))
          + " WHERE " + where);
    }
  }

  private void put(String key) throws IOException {
    world.store.put(key, ("left by a test: " + key).getBytes(StandardCharsets.UTF_8), "application/octet-stream");
  }

  private static Manifest withoutRetiredList(Manifest m) {
    return new Manifest(3, m.clientId(), m.target(), m.sequence(), m.watermark(), m.columns(), m.keyColumns(),
        m.versionColumn(), m.base(), m.deltas(), m.rowCount(), m.contentChecksum(), m.runId(), m.createdAt(),
        List.of());
  }

  private Manifest manifest(TargetVersion version) throws Exception {
    return ManifestCodec.decode(world.store.get(version.manifestKey()));
  }

  /** The objects a version references: its manifest, its files and their stored key indexes. */
  private Set<String> stored(TargetVersion version) throws Exception {
    Set<String> keys = new HashSet<>(manifest(version).storedKeys());
    keys.add(version.manifestKey());
    return keys;
  }

  private Set<String> retiredKeys(TargetVersion version) throws Exception {
    return manifest(version).retired().stream().map(RetiredObject::key).collect(Collectors.toSet());
  }

  private Set<String> keys() throws Exception {
    return new HashSet<>(world.store.list(""));
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
  private final class ListCounting implements ObjectStore {
    private final ObjectStore delegate;

    ListCounting(ObjectStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public ObjectOutput create(String key) throws IOException {
      return delegate.create(key);
    }

    @Override
    public void put(String key, byte[] content, String contentType) throws IOException {
      delegate.put(key, content, contentType);
    }

    @Override
    public void putStream(String key, long length, ContentSource content, String contentType) throws IOException {
      delegate.putStream(key, length, content, contentType);
    }

    @Override
    public byte[] get(String key) throws IOException {
      return delegate.get(key);
    }

    @Override
    public byte[] getRange(String key, long position, int length) throws IOException {
      return delegate.getRange(key, position, length);
    }

    @Override
    public RandomAccessObject open(String key) throws IOException {
      return delegate.open(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
      lists.incrementAndGet();
      return delegate.list(prefix);
    }

    @Override
    public List<ListedObject> listObjects(String prefix) throws IOException {
      lists.incrementAndGet();
      return delegate.listObjects(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
      delegate.delete(key);
    }
  }

  /** A clock the test moves forward. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    void set(Instant to) {
      if (to.isBefore(now)) {
        throw new IllegalArgumentException("the clock only moves forward: " + to + " is before " + now);
      }
      now = to;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
