package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The row count and checksum of a state after one more delta, from the key index sidecars alone:
 * for every key the delta touches, the old winning record (base and older deltas) and the new one
 * (after the delta) are found by key hash; the old row's hash is subtracted if the key was live, the
 * new one added if it is. Keys the delta does not touch keep their rows, so the rest of the state
 * is never read.
 *
 * <p>The winner per key is exactly {@link SnapshotReader}'s: records applied base first, then the
 * deltas in order, each file's records in write order; a record replaces the current one when its
 * version is higher, or equal and it is live or the current one is a delete. Memory is bounded:
 * touched keys are processed in batches of {@link #BATCH_KEYS}.
 */
public final class KeyIndexChecksum {
  static final int BATCH_KEYS = 1 << 16;

  /** Opens the sidecar {@code key} of a file with {@code entries} records. */
  @FunctionalInterface
  public interface Opener {
    KeyIndex open(String key, long entries) throws IOException;
  }

  private final List<KeyIndex> previous;
  private final Executor reads;
  private long count;
  private long value;

  private KeyIndexChecksum(List<KeyIndex> previous, Executor reads, long count, long value) {
    this.previous = previous;
    this.reads = reads;
    this.count = count;
    this.value = value;
  }

  /**
   * Count and checksum of {@code previous}'s state plus a delta whose records {@code delta} holds;
   * empty when {@code previous} lacks sidecars (written before they existed, or listed but not
   * stored) or its base has key hash collisions (the caller recounts the state instead).
   */
  public static Optional<RowChecksum> afterDelta(ObjectStore store, Manifest previous, KeyIndexWriter delta)
      throws IOException {
    return afterDelta(store, previous, delta, null, null);
  }

  /**
   * As {@link #afterDelta(ObjectStore, Manifest, KeyIndexWriter)}, with block reads running ahead on
   * {@code reads} (null: on the caller) and stored sidecars opened through {@code opener} (null:
   * {@link KeyIndex#open}; a cache may answer for the immutable objects of a chain). Inline ones
   * are opened from the manifest.
   */
  public static Optional<RowChecksum> afterDelta(
      ObjectStore store, Manifest previous, KeyIndexWriter delta, Executor reads, Opener opener)
      throws IOException {
    if (!previous.keyIndexed()) {
      return Optional.empty();
    }
    List<KeyIndex> indexes = new ArrayList<>();
    try {
      for (SnapshotObject object : previous.objects()) {
        KeyIndex index;
        if (object.keyIndexInline() != null) {
          index = KeyIndex.open(store, object.key() + " (inline key index)", object.records(), object.inlineKeyIndexBytes());
        } else {
          try {
            index = opener == null
                ? KeyIndex.open(store, object.keyIndex(), object.records())
                : opener.open(object.keyIndex(), object.records());
          } catch (NoSuchFileException e) {
            // A base's sidecar goes up after its version is committed: its worker stopped before
            // it was stored, or is still storing it.
            return Optional.empty();
          }
        }
        indexes.add(index);
        if (object.kind() == SnapshotKind.BASE && index.collisions() > 0) {
          return Optional.empty();
        }
      }
      KeyIndexChecksum update =
          new KeyIndexChecksum(indexes, reads, previous.rowCount(), RowChecksum.parseHex(previous.contentChecksum()));
      update.apply(delta);
      return Optional.of(RowChecksum.of(previous.columns(), update.count, hex(update.value)));
    } finally {
      for (KeyIndex index : indexes) {
        index.close();
      }
    }
  }

  private static String hex(long value) {
    return java.util.HexFormat.of().toHexDigits(value);
  }

  private final class Batch implements KeyIndex.EntryVisitor {
    long[] hashes = new long[1024];
    int keys;
    // The delta's records of the batch, in sorted (stable) order, with the index of their key.
    int[] entryKey = new int[1024];
    long[] entryRow = new long[1024];
    long[] entryVersion = new long[1024];
    boolean[] entryDelete = new boolean[1024];
    int entries;
    boolean[] seen = new boolean[1024];
    boolean[] live = new boolean[1024];
    long[] version = new long[1024];
    long[] row = new long[1024];

    @Override
    public void entry(long keyHash, long rowHash, long entryVersion, boolean delete) throws IOException {
      if (keys == 0 || hashes[keys - 1] != keyHash) {
        if (keys == BATCH_KEYS) {
          flush();
        }
        if (keys == hashes.length) {
          hashes = Arrays.copyOf(hashes, keys * 2);
        }
        hashes[keys++] = keyHash;
      }
      if (entries == entryKey.length) {
        int capacity = entries * 2;
        entryKey = Arrays.copyOf(entryKey, capacity);
        entryRow = Arrays.copyOf(entryRow, capacity);
        this.entryVersion = Arrays.copyOf(this.entryVersion, capacity);
        entryDelete = Arrays.copyOf(entryDelete, capacity);
      }
      entryKey[entries] = keys - 1;
      entryRow[entries] = rowHash;
      this.entryVersion[entries] = entryVersion;
      entryDelete[entries] = delete;
      entries++;
    }

    void flush() throws IOException {
      if (keys == 0) {
        return;
      }
      if (seen.length < keys) {
        seen = new boolean[hashes.length];
        live = new boolean[hashes.length];
        version = new long[hashes.length];
        row = new long[hashes.length];
      }
      Arrays.fill(seen, 0, keys, false);
      for (KeyIndex index : previous) {
        index.lookup(hashes, keys, this::fold, reads);
      }
      for (int k = 0; k < keys; k++) {
        if (seen[k] && live[k]) {
          count--;
          value -= row[k];
        }
      }
      for (int e = 0; e < entries; e++) {
        fold(entryKey[e], entryRow[e], entryVersion[e], entryDelete[e]);
      }
      for (int k = 0; k < keys; k++) {
        if (seen[k] && live[k]) {
          count++;
          value += row[k];
        }
      }
      keys = 0;
      entries = 0;
    }

    private void fold(int k, long rowHash, long recordVersion, boolean delete) {
      if (!seen[k] || recordVersion > version[k] || (recordVersion == version[k] && (!delete || !live[k]))) {
        seen[k] = true;
        live[k] = !delete;
        version[k] = recordVersion;
        row[k] = rowHash;
      }
    }
  }

  private void apply(KeyIndexWriter delta) throws IOException {
    Batch batch = new Batch();
    delta.forEachSorted(batch);
    batch.flush();
  }
}
