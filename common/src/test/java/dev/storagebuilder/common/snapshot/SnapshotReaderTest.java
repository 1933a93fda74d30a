package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The reader's view of a target: base + deltas in order, deletes applied, latest version wins. */
class SnapshotReaderTest {
  private static final List<ColumnDeclaration> COLUMNS =
      List.of(
          ColumnDeclaration.of("tenant", ColumnType.STRING, false),
          ColumnDeclaration.of("id", ColumnType.INT32, false),
          ColumnDeclaration.of("label", ColumnType.STRING, true),
          ColumnDeclaration.of("version", ColumnType.INT64, false));

  /** A composite key (tenant, id) to check keys are compared by all their values. */
  private static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("tenant", "id"), "version", COLUMNS, null, 0);

  private final InMemoryObjectStore store = new InMemoryObjectStore();

  @Test
  void appliesUpsertsDeletesReinsertsAndKeyUpdatesInOrder() throws IOException {
    SnapshotObject base =
        write(
            "base",
            SnapshotKind.BASE,
            0,
            10,
            rows(
                row("a", 1, "one", 1),
                row("a", 2, "two", 2),
                row("a", 3, "three", 3),
                row("b", 1, "b-one", 4),
                row("a", 4, "four", 5)),
            List.of());
    SnapshotObject first =
        write(
            "delta-1",
            SnapshotKind.DELTA,
            10,
            20,
            rows(row("a", 1, "one v2", 11), row("a", 9, "new", 12)), // update, insert
            rows(
                del("a", 2, 13),
                del("a", 3, 14),
                del("a", 4, 15))); // deletes; a/4 re-inserted below
    SnapshotObject second =
        write(
            "delta-2",
            SnapshotKind.DELTA,
            20,
            30,
            rows(
                row("a", 3, "three again", 21), // deleted then re-inserted
                row("b", 2, "b-one renamed", 22), // key update: new key ...
                row("a", 1, "one v3", 23)),
            rows(del("b", 1, 22), del("a", 9, 24))); // ... and old key deleted

    List<Object[]> state = readState(manifest(base, first, second));

    assertThat(sorted(state))
        .containsExactly(
            "[a, 1, one v3, 23]", "[a, 3, three again, 21]", "[b, 2, b-one renamed, 22]");
  }

  @Test
  void latestVersionWinsEvenWhenAnOlderChangeArrivesLater() throws IOException {
    SnapshotObject base =
        write(
            "base",
            SnapshotKind.BASE,
            0,
            10,
            rows(row("a", 1, "base v7", 7), row("a", 2, "two", 2)),
            List.of());
    // An overlap window re-reads: the first delta has the newer version, the second an older one.
    SnapshotObject first =
        write("delta-1", SnapshotKind.DELTA, 5, 20, rows(row("a", 2, "two v12", 12)), List.of());
    SnapshotObject second =
        write(
            "delta-2",
            SnapshotKind.DELTA,
            5,
            25,
            rows(
                row("a", 2, "two v11 (stale re-read)", 11),
                row("a", 1, "one v6 (older than base)", 6)),
            List.of());

    assertThat(sorted(readState(manifest(base, first, second))))
        .containsExactly("[a, 1, base v7, 7]", "[a, 2, two v12, 12]");
  }

  @Test
  void baseWithoutDeltasStreamsAsWritten() throws IOException {
    SnapshotObject base =
        write(
            "base",
            SnapshotKind.BASE,
            0,
            10,
            rows(row("a", 2, null, 1), row("a", 1, "x", 2)),
            List.of());

    assertThat(SnapshotFixtures.text(readState(manifest(base))))
        .containsExactly("[a, 2, null, 1]", "[a, 1, x, 2]");
  }

  @Test
  void randomChangeSequencesEndInTheSameStateAsAModel() throws IOException {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, Object[]> model = new TreeMap<>();
    long version = 0;
    List<Object[]> baseRows = new ArrayList<>();
    for (int id = 0; id < 200; id++) {
      Object[] row = row("t", id, "base-" + id, ++version);
      baseRows.add(row);
      model.put(keyOf(row), row);
    }
    List<SnapshotObject> deltas = new ArrayList<>();
    SnapshotObject base = write("base", SnapshotKind.BASE, 0, version, baseRows, List.of());
    for (int d = 0; d < 5; d++) {
      List<Object[]> upserts = new ArrayList<>();
      List<Object[]> deletes = new ArrayList<>();
      Map<String, Object[]> changedInDelta = new TreeMap<>();
      for (int change = 0; change < 60; change++) {
        int id = random.nextInt(260);
        String key = "t|" + id;
        if (random.nextInt(3) == 0) {
          changedInDelta.put(key, null);
          deletes.add(del("t", id, ++version));
          model.remove(key);
        } else {
          Object[] row = row("t", id, "d" + d + "-c" + change, ++version);
          changedInDelta.put(key, row);
          model.put(key, row);
        }
      }
      // A sync writes each changed key's latest state once: upserts for live rows, deletes
      // otherwise.
      upserts.clear();
      deletes.removeIf(k -> changedInDelta.get("t|" + ((Object[]) k[0])[1]) != null);
      for (Object[] row : changedInDelta.values()) {
        if (row != null) {
          upserts.add(row);
        }
      }
      deltas.add(write("delta-" + d, SnapshotKind.DELTA, 0, version, upserts, deletes));
    }

    List<Object[]> state = readState(manifest(base, deltas.toArray(SnapshotObject[]::new)));

    assertThat(sorted(state))
        .as("seed %d", seed)
        .containsExactlyElementsOf(sorted(new ArrayList<>(model.values())));
  }

  private List<Object[]> readState(Manifest manifest) throws IOException {
    return SnapshotFixtures.readAll(SnapshotReader.open(store, manifest).rows());
  }

  private SnapshotObject write(
      String key,
      SnapshotKind kind,
      long from,
      long to,
      List<Object[]> upserts,
      List<Object[]> deletes)
      throws IOException {
    try (SnapshotWriter writer =
        SnapshotWriter.open(TARGET, kind, store.create(key), SnapshotWriterOptions.defaults())) {
      for (Object[] row : upserts) {
        writer.writeValues(row);
      }
      for (Object[] delete : deletes) {
        writer.writeDelete((Object[]) delete[0], (Long) delete[1]);
      }
      SnapshotFileStats stats = writer.finish();
      assertThat(stats.rows()).isEqualTo(upserts.size());
      assertThat(stats.deletes()).isEqualTo(deletes.size());
      return stats.toObject(key, from, to);
    }
  }

  private static Manifest manifest(SnapshotObject base, SnapshotObject... deltas) {
    return Manifest.of(
        new TargetRef("client-1", "items"),
        TARGET,
        1,
        30,
        base,
        List.of(deltas),
        0,
        "0000000000000000",
        "run-test",
        Instant.EPOCH);
  }

  private static List<Object[]> rows(Object[]... rows) {
    return List.of(rows);
  }

  private static Object[] row(String tenant, int id, String label, long version) {
    return new Object[] {tenant, id, label, version};
  }

  private static Object[] del(String tenant, int id, long version) {
    return new Object[] {new Object[] {tenant, id}, version};
  }

  private static String keyOf(Object[] row) {
    return row[0] + "|" + row[1];
  }

  private static List<String> sorted(List<Object[]> rows) {
    return rows.stream()
        .sorted(
            Comparator.comparing((Object[] r) -> (String) r[0]).thenComparing(r -> (Integer) r[1]))
        .map(SnapshotFixtures::text)
        .toList();
  }
}
