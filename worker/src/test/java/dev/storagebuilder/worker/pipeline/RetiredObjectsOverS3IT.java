package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
 * A target through full sync, incremental syncs and another full sync, over the embedded S3 and
 * dynalite with the real SDK: the objects a new version no longer references stay readable for the
 * grace period and are deleted by the first commit after it, so the target's prefix holds what the
 * current manifest references and what it still lists as retired, nothing more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetiredObjectsOverS3IT {
  private static final int ROWS = 500; // a 12.5 kB key index: stored as an object, not inline
  private static final TargetRef ACME = new TargetRef("acme", "items");
  private static final Duration GRACE = Duration.ofHours(6);

  private ItemsOverS3 world;
  private final MovableClock clock = new MovableClock(Instant.parse("2026-01-05T10:00:00Z"));
  private DynamoVersionLedger versions;
  private DynamoRunLedger runs;
  private TargetProcessor processor;
  private int runs_ = 0;
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final RetiredObjectDeletions deletions = new RetiredObjectDeletions() {
    @Override
    public void deleted() {
      deleted.incrementAndGet();
    }

    @Override
    public void failed() {
      failed.incrementAndGet();
    }
  };

  @BeforeAll
  void start() throws SQLException {
    world = new ItemsOverS3("retired-objects", ROWS);
    LedgerTables.ensure(world.aws.dynamo(), world.aws.settings());
    versions = new DynamoVersionLedger(world.aws.dynamo(), world.aws.settings().versionsTable());
    runs = new DynamoRunLedger(world.aws.dynamo(), world.aws.settings().runsTable());
    SourceConfig config =
        new SourceConfig(world.dataSource.getURL(), null, null, "SELECT 'acme'", List.of(ItemsOverS3.ITEMS));
    SnapshotBuilder builder =
        new SnapshotBuilder(new JdbcRowSource(world.dataSource, config.clientsQuery(), 100, clock), world.store,
            StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
            // No compaction by size: the small deltas stay deltas, and only the full sync writes a new base.
            new CompactionPolicy(CompactionPolicy.DEFAULT_MAX_CHAIN_LENGTH, 100), GRACE, deletions, clock);
    processor = new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
  }

  @AfterAll
  void stop() throws SQLException {
    world.close();
  }

  @Test
  void objectsSupersededByAFullSyncAreDeletedByTheFirstCommitAfterTheGraceAndNotBefore() throws Exception {
    TargetVersion first = sync(SyncMode.FULL);
    Set<String> firstObjects = stored(first);
    // Enough changed rows for the delta's key index to be an object of its own too.
    changeRows("id <= 400");
    TargetVersion delta = sync(SyncMode.INCREMENTAL);
    assertThat(delta.chainLength()).isEqualTo(1);
    Set<String> deltaObjects = stored(delta);
    assertThat(deltaObjects).as("the delta's file and its key index sidecar are objects")
        .hasSize(firstObjects.size() + 2);
    Manifest deltaManifest = manifest(delta);
    assertThat(deltaManifest.retired()).as("a delta retires the manifest it replaces")
        .containsExactly(new RetiredObject(first.manifestKey(), delta.committedAt()));

    clock.advance(Duration.ofMinutes(1));
    TargetVersion second = sync(SyncMode.FULL);
    assertThat(second.chainLength()).isZero();
    assertThat(keys("snapshots/")).as("within the grace, every superseded object stays")
        .containsAll(deltaObjects).containsAll(stored(second));
    assertThat(readRows(deltaManifest)).as("a reader of the previous version still reads it whole").isEqualTo(ROWS);
    Set<String> retiredByFullSync = new HashSet<>(deltaObjects);
    retiredByFullSync.add(first.manifestKey());
    assertThat(retiredKeys(second)).as("the new base retires the old base, its delta, their sidecars and manifests")
        .isEqualTo(retiredByFullSync);
    assertThat(manifest(second).retired()).filteredOn(r -> deltaObjects.contains(r.key()))
        .allSatisfy(r -> assertThat(r.retiredAt()).isEqualTo(second.committedAt()));

    clock.advance(GRACE.minus(Duration.ofMinutes(2)));
    changeRows("id = 1");
    TargetVersion beforeGrace = sync(SyncMode.INCREMENTAL);
    assertThat(keys("snapshots/")).as("a commit before the grace is over deletes nothing")
        .containsAll(deltaObjects).contains(first.manifestKey());
    assertThat(deleted).hasValue(0);
    assertThat(retiredKeys(beforeGrace)).as("carried forward, with the manifest it replaces")
        .containsAll(retiredByFullSync).contains(second.manifestKey());
    assertThat(readRows(deltaManifest)).isEqualTo(ROWS);

    clock.advance(Duration.ofMinutes(2));
    changeRows("id = 2");
    TargetVersion afterGrace = sync(SyncMode.INCREMENTAL);
    assertThat(afterGrace.chainLength()).isEqualTo(2);

    // Still within the grace: the manifests the last two commits replaced (readers may hold them).
    Set<String> expected = stored(afterGrace);
    expected.add(second.manifestKey());
    expected.add(beforeGrace.manifestKey());
    assertThat(keys("snapshots/")).as("what the current version references and what it retired within the grace")
        .containsExactlyInAnyOrderElementsOf(expected)
        .doesNotContainAnyElementsOf(retiredByFullSync);
    assertThat(retiredKeys(afterGrace)).as("the deleted are no longer listed")
        .containsExactlyInAnyOrder(second.manifestKey(), beforeGrace.manifestKey());
    assertThat(deleted).hasValue(retiredByFullSync.size());
    assertThat(failed).hasValue(0);
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

  private Manifest manifest(TargetVersion version) throws Exception {
    return ManifestCodec.decode(world.store.get(version.manifestKey()));
  }

  /** The objects a version references: its manifest, its files and their stored key indexes. */
  private Set<String> stored(TargetVersion version) throws Exception {
    Set<String> keys = new HashSet<>();
    keys.add(version.manifestKey());
    for (SnapshotObject object : manifest(version).objects()) {
      keys.add(object.key());
      if (object.keyIndex() != null) {
        keys.add(object.keyIndex());
      }
    }
    return keys;
  }

  private Set<String> retiredKeys(TargetVersion version) throws Exception {
    return manifest(version).retired().stream().map(RetiredObject::key).collect(Collectors.toSet());
  }

  private Set<String> keys(String prefix) throws Exception {
    return new HashSet<>(world.store.list(prefix));
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

  /** A clock the test moves forward. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
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
