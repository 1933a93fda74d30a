package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Syncs of {@link ItemsOverS3}'s target, one message at a time through a {@link TargetProcessor}
 * on dynalite's ledgers, for the ITs that follow a target's objects from version to version: run a
 * sync, change rows, and read back what a version references and what it retires.
 */
final class TargetSyncs {
  static final TargetRef ACME = new TargetRef("acme", "items");

  final ItemsOverS3 world;
  final Clock clock;
  final DynamoVersionLedger versions;
  final DynamoRunLedger runs;
  final SourceConfig config;
  private int syncs;

  TargetSyncs(ItemsOverS3 world, Clock clock) {
    this.world = world;
    this.clock = clock;
    LedgerTables.ensure(world.aws.dynamo(), world.aws.settings());
    versions = new DynamoVersionLedger(world.aws.dynamo(), world.aws.settings().versionsTable());
    runs = new DynamoRunLedger(world.aws.dynamo(), world.aws.settings().runsTable());
    config = new SourceConfig(world.dataSource.getURL(), null, null, "SELECT 'acme'", List.of(ItemsOverS3.ITEMS));
  }

  /** A worker's processor around {@code builder}, on this world's ledgers and clock. */
  TargetProcessor processor(SnapshotBuilder builder) {
    return new TargetProcessor(config, builder, versions, runs, new DefaultFailureClassifier(),
        ProcessingSettings.defaults(), clock, "w-test");
  }

  /** One message of a run of its own, which must commit; the version it committed. */
  TargetVersion sync(TargetProcessor processor, SyncMode mode) throws Exception {
    assertThat(run(processor, mode)).isInstanceOf(Outcome.Done.class);
    TargetVersion current = versions.current(ACME).orElseThrow();
    assertThat(current.runId()).as("run %s committed", "run-" + syncs).isEqualTo("run-" + syncs);
    return current;
  }

  /** One message of a run of its own; its outcome, whether it committed or not. */
  Outcome run(TargetProcessor processor, SyncMode mode) {
    String runId = "run-" + (++syncs);
    runs.createRun(new RunRecord(runId, "all", mode, "test", clock.instant(), 1));
    ReceivedMessage received = new ReceivedMessage("m-" + syncs,
        TargetMessageCodec.encode(TargetMessage.of(runId, ACME, mode, clock.instant())), "handle", 1, Map.of(),
        clock.instant());
    return processor.process(received);
  }

  /** New labels and versions above every earlier one for the rows {@code where} selects. */
  void changeRows(String where) throws SQLException {
    try (Statement sql = world.keepAlive.createStatement()) {
      sql.execute("UPDATE items SET label = 'changed " + syncs + "', version = version + "
          + ((long) world.rows * (syncs + 1)) + " WHERE " + where);
    }
  }

  Manifest manifest(TargetVersion version) throws Exception {
    return ManifestCodec.decode(world.store.get(version.manifestKey()));
  }

  /** The objects a version references: its manifest, its files and their stored key indexes. */
  Set<String> stored(TargetVersion version) throws Exception {
    Set<String> keys = new HashSet<>(manifest(version).storedKeys());
    keys.add(version.manifestKey());
    return keys;
  }

  Set<String> retiredKeys(TargetVersion version) throws Exception {
    return manifest(version).retired().stream().map(RetiredObject::key).collect(Collectors.toSet());
  }

  /** Every key in the bucket under {@code prefix}. */
  Set<String> keys(String prefix) throws Exception {
    return new HashSet<>(world.store.list(prefix));
  }
}
