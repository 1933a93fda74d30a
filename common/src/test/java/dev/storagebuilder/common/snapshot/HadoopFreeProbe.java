package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.time.Instant;
import java.util.List;

/**
 * Writes a base and a delta and reads the state back; {@link HadoopFreeRuntimeTest} runs it in a
 * class loader without Hadoop. Returns what it read, so the test can compare with a normal run.
 */
public final class HadoopFreeProbe {
  private HadoopFreeProbe() {}

  public static String run() throws Exception {
    InMemoryObjectStore store = new InMemoryObjectStore();
    List<Object[]> rows = SnapshotFixtures.edgeRows();
    SnapshotFileStats base =
        SnapshotFixtures.write(store, "base", SnapshotFixtures.TARGET, SnapshotKind.BASE, rows);
    SnapshotFileStats delta;
    try (SnapshotWriter writer =
        SnapshotWriter.open(
            SnapshotFixtures.TARGET,
            SnapshotKind.DELTA,
            store.create("delta"),
            SnapshotWriterOptions.defaults())) {
      Object[] changed = rows.get(0).clone();
      changed[8] = "changed";
      changed[12] = 100L;
      writer.writeValues(changed);
      writer.writeDelete(new Object[] {2L}, 101L);
      delta = writer.finish();
    }
    Manifest manifest =
        Manifest.of(
            new TargetRef("probe", "all_types"),
            SnapshotFixtures.TARGET,
            1,
            101,
            base.toObject("base", 0, 99),
            List.of(delta.toObject("delta", 99, 101)),
            rows.size() - 1,
            base.checksum().toHex(),
            "run-probe",
            Instant.EPOCH);
    List<Object[]> state = SnapshotFixtures.readAll(SnapshotReader.open(store, manifest).rows());
    return SnapshotFixtures.text(state)
        + " "
        + SnapshotFixtures.checksum(SnapshotFixtures.ALL_TYPES, state);
  }
}
