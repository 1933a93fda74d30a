package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key index sidecar: bounded-memory sorting with spilled runs, and lookups by key hash. */
class KeyIndexTest {
  @TempDir Path spillDirectory;

  private final InMemoryObjectStore store = new InMemoryObjectStore();

  @Test
  void spilledRunsMergeIntoOneStableSortedSidecarAndTheSpillFileIsDeleted() throws IOException {
    Random random = new Random(7);
    List<long[]> written = new ArrayList<>();
    try (KeyIndexWriter writer = new KeyIndexWriter(false, 5, spillDirectory)) {
      for (int i = 0; i < 1_000; i++) {
        // Few distinct hashes (negative ones included), so equal hashes span runs and blocks.
        long keyHash = random.nextInt(60) - 30L;
        written.add(new long[] {keyHash, i, i % 7, i % 3 == 0 ? 1 : 0});
        writer.add(keyHash, i, i % 7, i % 3 == 0);
      }
      assertThat(writer.spilled()).isTrue();
      assertThat(Files.list(spillDirectory)).hasSize(1);
      List<long[]> sorted = new ArrayList<>();
      writer.forEachSorted((k, r, v, d) -> sorted.add(new long[] {k, r, v, d ? 1 : 0}));
      List<long[]> expected = new ArrayList<>(written);
      expected.sort((a, b) -> Long.compare(a[0], b[0])); // List.sort is stable
      assertThat(sorted).usingElementComparator(Arrays::compare).containsExactlyElementsOf(expected);

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long bytes = writer.writeTo(out);
      assertThat(bytes).isEqualTo(out.size()).isEqualTo(KeyIndex.sidecarBytes(1_000));
    }
    assertThat(Files.list(spillDirectory)).isEmpty();
  }

  @Test
  void entriesComeOutStablySortedWhetherTheHashesAreUniformCrowdedOrRepeated() throws IOException {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int distribution = 0; distribution < 3; distribution++) {
      List<long[]> written = new ArrayList<>();
      try (KeyIndexWriter writer = new KeyIndexWriter(false)) {
        for (int i = 0; i < 20_000; i++) {
          long keyHash = switch (distribution) {
            case 0 -> random.nextLong(); // what a hash gives
            case 1 -> random.nextLong() >> 24; // all in two 16-bit prefixes: the insertion sort gives up
            default -> random.nextInt(50) - 25L; // many equal hashes: their write order must stay
          };
          written.add(new long[] {keyHash, i, i % 5, 0});
          writer.add(keyHash, i, i % 5, false);
        }
        List<long[]> sorted = new ArrayList<>();
        writer.forEachSorted((k, r, v, d) -> sorted.add(new long[] {k, r, v, d ? 1 : 0}));
        List<long[]> expected = new ArrayList<>(written);
        expected.sort((a, b) -> Long.compare(a[0], b[0])); // List.sort is stable
        assertThat(sorted).as("distribution %d, seed %d", distribution, seed)
            .usingElementComparator(Arrays::compare).containsExactlyElementsOf(expected);
      }
    }
  }

  @Test
  void inMemoryAndSpilledWritersProduceTheSameBytes() throws IOException {
    Random random = new Random(11);
    try (KeyIndexWriter memory = new KeyIndexWriter(true);
        KeyIndexWriter spilled = new KeyIndexWriter(true, 3, spillDirectory)) {
      for (int i = 0; i < 777; i++) {
        long keyHash = random.nextLong();
        memory.add(keyHash, ~keyHash, i, false);
        spilled.add(keyHash, ~keyHash, i, false);
      }
      ByteArrayOutputStream a = new ByteArrayOutputStream();
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      memory.writeTo(a);
      spilled.writeTo(b);
      assertThat(memory.spilled()).isFalse();
      assertThat(b.toByteArray()).isEqualTo(a.toByteArray());
    }
  }

  @Test
  void chunksSpilledOnAnExecutorGiveTheSameSidecarAsChunksSpilledByTheCaller() throws IOException {
    AtomicInteger handedOff = new AtomicInteger();
    ExecutorService spills = Executors.newSingleThreadExecutor();
    Executor counting = task -> {
      handedOff.incrementAndGet();
      spills.execute(task);
    };
    Random random = new Random(5);
    ByteArrayOutputStream byCaller = new ByteArrayOutputStream();
    ByteArrayOutputStream byExecutor = new ByteArrayOutputStream();
    try (KeyIndexWriter caller = new KeyIndexWriter(false, 1_000, spillDirectory);
        KeyIndexWriter background = new KeyIndexWriter(false, 1_000, spillDirectory, counting)) {
      for (int i = 0; i < 25_500; i++) {
        // One key hash recurs in every chunk: its entries must keep their write order across runs.
        long keyHash = i % 7 == 0 ? 42 : random.nextLong();
        caller.add(keyHash, i, i % 3, i % 5 == 0);
        background.add(keyHash, i, i % 3, i % 5 == 0);
      }
      caller.writeTo(byCaller);
      background.writeTo(byExecutor);
      assertThat(background.spilled()).isTrue();
    } finally {
      spills.shutdownNow();
    }
    // 25 full chunks went to the executor; the last, partial one is written with the sidecar.
    assertThat(handedOff).hasValue(25);
    assertThat(byExecutor.toByteArray()).hasSize(byCaller.size()).isEqualTo(byCaller.toByteArray());
    try (var left = Files.list(spillDirectory)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void lookupsFindPresentAndDeletedKeysAndNothingForAbsentOnesThroughRangedReads() throws IOException {
    Random random = new Random(3);
    int entries = 40_000; // about 1 MB: above the whole-read size, so fences and ranged reads are used
    long[] keys = new long[entries];
    try (KeyIndexWriter writer = new KeyIndexWriter(false, 4_096, spillDirectory)) {
      for (int i = 0; i < entries; i++) {
        keys[i] = random.nextLong();
        writer.add(keys[i], keys[i] * 31, i, i % 10 == 0);
      }
      store(writer, "big.keys");
    }
    assertThat(KeyIndex.sidecarBytes(entries)).isGreaterThan(KeyIndex.WHOLE_READ_BYTES);
    KeyIndex index = KeyIndex.open(store, "big.keys", entries);

    long[] wanted = {keys[0], keys[10], keys[12_345], keys[39_999], 42L, Long.MIN_VALUE, Long.MAX_VALUE};
    int[] positions = {0, 10, 12_345, 39_999, -1, -1, -1};
    sortTogether(wanted, positions);
    List<String> found = new ArrayList<>();
    long readsBefore = store.rangedReads();
    index.lookup(wanted, wanted.length, (h, row, version, delete) -> found.add(h + ":" + row + ":" + version + ":" + delete));

    List<String> expected = new ArrayList<>();
    for (int h = 0; h < wanted.length; h++) {
      int i = positions[h];
      if (i >= 0) {
        expected.add(h + ":" + keys[i] * 31 + ":" + i + ":" + (i % 10 == 0));
      }
    }
    assertThat(found).containsExactlyElementsOf(expected);
    assertThat(store.rangedReads() - readsBefore).as("one read per wanted block, not the whole sidecar").isLessThanOrEqualTo(4);
  }

  @Test
  void readsRunningAheadOnAnExecutorFindTheSameEntriesInTheSameOrder() throws IOException {
    Random random = new Random(5);
    int entries = 100_000;
    long[] keys = new long[entries];
    try (KeyIndexWriter writer = new KeyIndexWriter(false)) {
      for (int i = 0; i < entries; i++) {
        keys[i] = random.nextLong();
        writer.add(keys[i], i, i, false);
      }
      store(writer, "many.keys");
    }
    KeyIndex index = KeyIndex.open(store, "many.keys", entries);
    long[] wanted = new long[500];
    for (int h = 0; h < wanted.length; h++) {
      wanted[h] = h % 5 == 0 ? random.nextLong() : keys[random.nextInt(entries)];
    }
    wanted = Arrays.stream(wanted).sorted().distinct().toArray();
    List<String> sequential = new ArrayList<>();
    index.lookup(wanted, wanted.length, (h, row, version, delete) -> sequential.add(h + ":" + row));
    List<String> ahead = new ArrayList<>();
    try (var reads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      index.lookup(wanted, wanted.length, (h, row, version, delete) -> ahead.add(h + ":" + row), reads);
    }
    assertThat(ahead).hasSizeGreaterThan(350).containsExactlyElementsOf(sequential);
  }

  @Test
  void aLocalCopyAnswersLikeTheStoredSidecarEvenAfterItsFileIsDeleted() throws IOException {
    Random random = new Random(9);
    int entries = 30_000;
    long[] keys = new long[entries];
    Path file = spillDirectory.resolve("local.keys");
    try (KeyIndexWriter writer = new KeyIndexWriter(false)) {
      for (int i = 0; i < entries; i++) {
        keys[i] = random.nextLong();
        writer.add(keys[i], i, i, i % 4 == 0);
      }
      store(writer, "local.keys");
      try (var out = Files.newOutputStream(file)) {
        writer.writeTo(out);
      }
    }
    long[] wanted = {keys[1], keys[4], keys[29_999], 17L};
    Arrays.sort(wanted);
    AtomicInteger storedReadsAhead = new AtomicInteger();
    List<String> stored = new ArrayList<>();
    KeyIndex.open(store, "local.keys", entries).lookup(
        wanted, 4, (h, row, v, d) -> stored.add(h + ":" + row + ":" + d), countingInline(storedReadsAhead));
    AtomicInteger localReadsAhead = new AtomicInteger();
    List<String> local = new ArrayList<>();
    try (KeyIndex index = KeyIndex.openLocal(file, "local.keys", entries)) {
      Files.delete(file); // a cache evicting it meanwhile
      index.lookup(wanted, 4, (h, row, v, d) -> local.add(h + ":" + row + ":" + d), countingInline(localReadsAhead));
    }
    assertThat(local).hasSize(3).containsExactlyElementsOf(stored);
    // A stored sidecar's block reads go ahead on the executor; a local copy's stay on the caller.
    assertThat(storedReadsAhead).hasPositiveValue();
    assertThat(localReadsAhead).hasValue(0);
  }

  private static Executor countingInline(AtomicInteger tasks) {
    return task -> {
      tasks.incrementAndGet();
      task.run();
    };
  }

  @Test
  void equalKeyHashesSpanningBlocksAreAllFoundInWriteOrder() throws IOException {
    int entries = 20_000;
    try (KeyIndexWriter writer = new KeyIndexWriter(false, 1_000, spillDirectory)) {
      for (int i = 0; i < entries; i++) {
        // Key 5 occurs 600 times across the middle: more than two blocks of 256.
        writer.add(i >= 9_000 && i < 9_600 ? 5 : i * 1_000L, i, i, false);
      }
      store(writer, "dups.keys");
    }
    KeyIndex index = KeyIndex.open(store, "dups.keys", entries);
    List<Long> versions = new ArrayList<>();
    index.lookup(new long[] {5}, 1, (h, row, version, delete) -> versions.add(version));
    assertThat(versions).hasSize(600).isSorted().first().isEqualTo(9_000L);
  }

  @Test
  void aBaseCountsKeyHashCollisions() throws IOException {
    try (KeyIndexWriter writer = new KeyIndexWriter(true)) {
      writer.add(1, 10, 1, false);
      writer.add(2, 20, 2, false);
      writer.add(1, 30, 3, false);
      store(writer, "base.keys");
    }
    assertThat(KeyIndex.open(store, "base.keys", 3).collisions()).isEqualTo(1);
  }

  @Test
  void aSidecarOfTheWrongLengthIsRejected() throws IOException {
    try (KeyIndexWriter writer = new KeyIndexWriter(true)) {
      writer.add(1, 10, 1, false);
      store(writer, "one.keys");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeyIndex.open(store, "one.keys", 2))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("one.keys");
  }

  private void store(KeyIndexWriter writer, String key) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.writeTo(out);
    store.put(key, out.toByteArray(), "application/octet-stream");
  }

  private static void sortTogether(long[] hashes, int[] positions) {
    for (int i = 1; i < hashes.length; i++) {
      for (int j = i; j > 0 && hashes[j - 1] > hashes[j]; j--) {
        long h = hashes[j];
        hashes[j] = hashes[j - 1];
        hashes[j - 1] = h;
        int p = positions[j];
        positions[j] = positions[j - 1];
        positions[j - 1] = p;
      }
    }
  }
}
