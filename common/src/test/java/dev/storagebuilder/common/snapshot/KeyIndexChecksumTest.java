package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The count and checksum after a delta, from the sidecars, equal a full read of the new state
 * through {@link SnapshotReader}, whatever the precedence between base and deltas decides.
 */
class KeyIndexChecksumTest {
  private static final List<ColumnDeclaration> COLUMNS =
      List.of(
          ColumnDeclaration.of("tenant", ColumnType.STRING, false),
          ColumnDeclaration.of("id", ColumnType.INT32, false),
          ColumnDeclaration.of("label", ColumnType.STRING, true),
          ColumnDeclaration.of("version", ColumnType.INT64, true));
  private static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("tenant", "id"), "version", COLUMNS, null, 0);

  @TempDir Path spillDirectory;

  private final InMemoryObjectStore store = new InMemoryObjectStore();

  @Test
  void randomChainsGiveTheCountAndChecksumOfAFullRead() throws IOException {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    List<Object[]> baseRows = new ArrayList<>();
    for (int id = 0; id < 300; id++) {
      // Some base rows without a version: they lose to any delta record of their key.
      baseRows.add(row("t", id, "base-" + id, random.nextInt(10) == 0 ? null : (long) random.nextInt(100)));
    }
    SnapshotObject base = write("base", SnapshotKind.BASE, baseRows, List.of()).object;
    List<SnapshotObject> deltas = new ArrayList<>();
    for (int d = 0; d < 6; d++) {
      Manifest previous = counted(base, deltas);
      List<Object[]> upserts = new ArrayList<>();
      List<Object[]> deletes = new ArrayList<>();
      for (int change = 0; change < 80; change++) {
        int id = random.nextInt(360); // some keys the base never had
        // Versions overlap the base's and earlier deltas': stale re-reads, ties, and newer changes.
        long version = random.nextInt(60 + 40 * d);
        switch (random.nextInt(4)) {
          case 0 -> deletes.add(del("t", id, version));
          case 1 -> {
            // One transaction deleted and re-inserted the key: same version both ways.
            deletes.add(del("t", id, version));
            upserts.add(row("t", id, "reinserted-" + d + "-" + change, version));
          }
          default -> upserts.add(row("t", id, "d" + d + "-c" + change, version));
        }
      }
      // Every other delta keeps its sidecar inline in the manifest (nothing is stored for it).
      Written delta = write("delta-" + d, SnapshotKind.DELTA, upserts, deletes, d % 2 == 1);
      try (KeyIndexWriter records = delta.records) {
        Optional<RowChecksum> fromIndexes = KeyIndexChecksum.afterDelta(store, previous, records);
        deltas.add(delta.object);
        RowChecksum expected = read(manifest(base, deltas, 0, "0000000000000000"));
        assertThat(fromIndexes).as("seed %d, delta %d", seed, d).contains(expected);
        assertThat(fromIndexes.get().count()).as("seed %d, delta %d", seed, d).isEqualTo(expected.count());
      }
    }
  }

  @Test
  void anIdenticalReReadLeavesTheChecksumUnchanged() throws IOException {
    SnapshotObject base =
        write("base", SnapshotKind.BASE, rows(row("a", 1, "x", 5L), row("a", 2, "y", 6L)), List.of()).object;
    Manifest previous = counted(base, List.of());
    Written delta = write("delta", SnapshotKind.DELTA, rows(row("a", 2, "y", 6L)), List.of());
    try (KeyIndexWriter records = delta.records) {
      assertThat(KeyIndexChecksum.afterDelta(store, previous, records))
          .contains(RowChecksum.of(COLUMNS, previous.rowCount(), previous.contentChecksum()));
    }
  }

  @Test
  void aChainWithoutSidecarsIsNotCountedFromIndexes() throws IOException {
    SnapshotObject base = write("base", SnapshotKind.BASE, rows(row("a", 1, "x", 5L)), List.of()).object;
    SnapshotObject withoutIndex =
        new SnapshotObject(
            base.key(), base.kind(), base.rows(), base.bytes(), base.fromWatermark(), base.toWatermark(),
            base.checksum(), base.deletes());
    Written delta = write("delta", SnapshotKind.DELTA, rows(row("a", 2, "y", 6L)), List.of());
    try (KeyIndexWriter records = delta.records) {
      assertThat(KeyIndexChecksum.afterDelta(store, counted(withoutIndex, List.of()), records)).isEmpty();
    }
  }

  @Test
  void aListedSidecarThatWasNeverStoredIsNotCountedFromIndexes() throws IOException {
    Written base = write("base", SnapshotKind.BASE, rows(row("a", 1, "x", 5L), row("a", 2, "y", 6L)), List.of());
    base.records.close();
    Manifest manifest = counted(base.object, List.of());
    // A base's sidecar goes up after its commit; the worker stopped before it was stored.
    store.delete(base.object.keyIndex());
    Written delta = write("delta", SnapshotKind.DELTA, rows(row("a", 2, "z", 7L)), List.of());
    try (KeyIndexWriter records = delta.records) {
      assertThat(KeyIndexChecksum.afterDelta(store, manifest, records)).isEmpty();
    }
  }

  private Manifest counted(SnapshotObject base, List<SnapshotObject> deltas) throws IOException {
    RowChecksum state = read(manifest(base, deltas, 0, "0000000000000000"));
    return manifest(base, deltas, state.count(), state.toHex());
  }

  private RowChecksum read(Manifest manifest) throws IOException {
    RowChecksum checksum = new RowChecksum(COLUMNS);
    for (Object[] row : SnapshotFixtures.readAll(SnapshotReader.open(store, manifest).rows())) {
      checksum.add(row);
    }
    return checksum;
  }

  private record Written(SnapshotObject object, KeyIndexWriter records) {}

  /** Writes a file and stores its sidecar; the returned writer still holds the records (close it). */
  private Written write(String key, SnapshotKind kind, List<Object[]> upserts, List<Object[]> deletes)
      throws IOException {
    return write(key, kind, upserts, deletes, false);
  }

  /** As {@link #write(String, SnapshotKind, List, List)}, the sidecar inline when {@code inline}. */
  private Written write(String key, SnapshotKind kind, List<Object[]> upserts, List<Object[]> deletes, boolean inline)
      throws IOException {
    KeyIndexWriter records = new KeyIndexWriter(kind == SnapshotKind.BASE, 7, spillDirectory);
    try (SnapshotWriter writer =
        SnapshotWriter.open(TARGET, kind, store.create(key), SnapshotWriterOptions.defaults(), records)) {
      for (Object[] row : upserts) {
        writer.writeValues(row);
      }
      for (Object[] delete : deletes) {
        writer.writeDelete((Object[]) delete[0], (Long) delete[1]);
      }
      SnapshotFileStats stats = writer.finish();
      ByteArrayOutputStream sidecar = new ByteArrayOutputStream();
      records.writeTo(sidecar);
      SnapshotObject object = stats.toObject(key, 0, 0);
      if (inline) {
        return new Written(object.withInlineKeyIndex(sidecar.toByteArray()), records);
      }
      store.put(key + ".keys", sidecar.toByteArray(), "application/octet-stream");
      return new Written(object.withKeyIndex(key + ".keys"), records);
    }
  }

  private static Manifest manifest(SnapshotObject base, List<SnapshotObject> deltas, long rows, String checksum) {
    return Manifest.of(
        new TargetRef("client-1", "items"), TARGET, 1, 0, base, deltas, rows, checksum, "run-test", Instant.EPOCH);
  }

  private static List<Object[]> rows(Object[]... rows) {
    return List.of(rows);
  }

  private static Object[] row(String tenant, int id, String label, Long version) {
    return new Object[] {tenant, id, label, version};
  }

  private static Object[] del(String tenant, int id, long version) {
    return new Object[] {new Object[] {tenant, id}, version};
  }
}
