package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A snapshot file's key index sidecar: one entry per Parquet record, sorted by key hash, so an
 * incremental sync can look up the old row hashes of just the keys it touched instead of reading
 * the whole state (see docs/incremental.md).
 *
 * <p>Layout (big-endian): a 16-byte header ({@code "SBKI"}, format version 1, entries per block
 * 256, 0); the entries, 25 bytes each: key hash, row hash, version (a base row's null version is
 * {@link Long#MIN_VALUE}), 1 for a delete else 0; then the fences (the key hash of every block's
 * first entry); then a 20-byte trailer (entry count, key hash collisions, {@code "SBKI"}). Entries
 * are sorted by signed key hash; records of one key keep the order they were written in. The key
 * hash is {@link RowChecksum}'s row encoding over the key columns only; the row hash is the one the
 * checksum adds.
 *
 * <p>A lookup reads the fences (one ranged read of the tail; the whole object when it is small),
 * then only the blocks that can hold the wanted hashes, nearby blocks coalesced into one read.
 */
public final class KeyIndex implements Closeable {
  static final int MAGIC = 0x53424b49; // "SBKI"
  static final int FORMAT_VERSION = 1;
  static final int BLOCK_ENTRIES = 256;
  static final int ENTRY_BYTES = 25;
  static final int HEADER_BYTES = 16;
  static final int TRAILER_BYTES = 20;
  /** Sidecars up to this size are read whole: one request, no fence step. */
  static final long WHOLE_READ_BYTES = 256 * 1024;
  /** Blocks closer than this are fetched in one read: a request costs more than the bytes. */
  static final long COALESCE_GAP_BYTES = 64 * 1024;
  /** Upper bound of one coalesced read, which bounds the memory of a lookup. */
  static final long MAX_READ_BYTES = 1024 * 1024;

  /** Receives sorted entries (writer side). */
  @FunctionalInterface
  public interface EntryVisitor {
    void entry(long keyHash, long rowHash, long version, boolean delete) throws IOException;
  }

  /** Receives the entries a lookup found, in stored order per hash. */
  @FunctionalInterface
  public interface LookupVisitor {
    void entry(int hashIndex, long rowHash, long version, boolean delete);
  }

  private final RangeReader ranges;
  private final String key;
  private final long entries;
  private final long collisions;
  private final long[] fences;
  private final byte[] whole;
  private Closeable resource;

  private KeyIndex(RangeReader ranges, String key, long entries, long collisions, long[] fences, byte[] whole) {
    this.ranges = ranges;
    this.key = key;
    this.entries = entries;
    this.collisions = collisions;
    this.fences = fences;
    this.whole = whole;
  }

  /** Bytes of a sidecar with this many entries. */
  public static long sidecarBytes(long entries) {
    return HEADER_BYTES + entries * ENTRY_BYTES + (long) blocks(entries) * Long.BYTES + TRAILER_BYTES;
  }

  static int blocks(long entries) {
    return Math.toIntExact((entries + BLOCK_ENTRIES - 1) / BLOCK_ENTRIES);
  }

  /**
   * Opens the sidecar of a file with {@code entries} records (a manifest's {@code rows + deletes}):
   * reads it whole when small, else its fences and trailer in one ranged read.
   */
  public static KeyIndex open(ObjectStore store, String key, long entries) throws IOException {
    return open(store, key, entries, null);
  }

  /** Positional reads of one sidecar: ranged GETs, or a local copy. */
  @FunctionalInterface
  public interface RangeReader {
    byte[] read(long position, int length) throws IOException;
  }

  /**
   * Opens a local copy of the sidecar {@code key} (a worker keeps the ones it wrote): reads the
   * fences now and blocks on lookups from the file. The file may be deleted once this returns.
   */
  public static KeyIndex openLocal(Path file, String key, long entries) throws IOException {
    // One open channel keeps the content readable even if a cache evicts (deletes) the file meanwhile.
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      if (channel.size() != sidecarBytes(entries)) {
        throw corrupt(key, "local copy is " + channel.size() + " bytes, expected " + sidecarBytes(entries));
      }
      RangeReader reader =
          (position, length) -> {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
              if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new java.io.EOFException(file + " ended early");
              }
            }
            return buffer.array();
          };
      return open(reader, key, entries, null, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** As {@link #open(ObjectStore, String, long)}, from the sidecar's bytes when the caller has them. */
  public static KeyIndex open(ObjectStore store, String key, long entries, byte[] content) throws IOException {
    if (content == null && sidecarBytes(entries) <= WHOLE_READ_BYTES) {
      content = store.get(key);
    }
    return open((position, length) -> store.getRange(key, position, length), key, entries, content, null);
  }

  private static KeyIndex open(RangeReader reader, String key, long entries, byte[] content, Closeable resource)
      throws IOException {
    long bytes = sidecarBytes(entries);
    int blocks = blocks(entries);
    long dataEnd = HEADER_BYTES + entries * ENTRY_BYTES;
    byte[] whole = null;
    ByteBuffer tail;
    if (content != null) {
      whole = content;
      if (whole.length != bytes) {
        throw corrupt(key, "is " + whole.length + " bytes, expected " + bytes + " for " + entries + " entries");
      }
      ByteBuffer header = ByteBuffer.wrap(whole, 0, HEADER_BYTES);
      if (header.getInt() != MAGIC || header.getInt() != FORMAT_VERSION || header.getInt() != BLOCK_ENTRIES) {
        throw corrupt(key, "has an unknown header");
      }
      tail = ByteBuffer.wrap(whole, (int) dataEnd, (int) (bytes - dataEnd)).slice();
    } else {
      tail = ByteBuffer.wrap(reader.read(dataEnd, Math.toIntExact(bytes - dataEnd)));
    }
    long[] fences = new long[blocks];
    for (int b = 0; b < blocks; b++) {
      fences[b] = tail.getLong();
    }
    long stored = tail.getLong();
    long collisions = tail.getLong();
    if (tail.getInt() != MAGIC || stored != entries) {
      throw corrupt(key, "trailer says " + stored + " entries, the manifest " + entries);
    }
    KeyIndex index = new KeyIndex(reader, key, entries, collisions, fences, whole);
    index.resource = resource;
    return index;
  }

  private static SnapshotFormatException corrupt(String key, String problem) {
    return new SnapshotFormatException("key index " + key + " " + problem);
  }

  /** Whether this index reads a worker's local copy of the sidecar rather than the stored object. */
  boolean isLocalCopy() {
    return resource != null;
  }

  /** Releases a local copy's file handle; nothing to do for a stored sidecar. */
  @Override
  public void close() throws IOException {
    if (resource != null) {
      resource.close();
    }
  }

  public long entries() {
    return entries;
  }

  /** Heap bytes this opened index holds (the whole sidecar, or its fences). */
  public long memoryBytes() {
    return whole != null ? whole.length : (long) fences.length * Long.BYTES;
  }

  /** Distinct keys of a base that share a key hash (expected 0; see docs/incremental.md). */
  public long collisions() {
    return collisions;
  }

  /**
   * Visits every entry whose key hash is one of {@code hashes[0..count)} (sorted ascending, distinct),
   * with the index of that hash, in stored order. Block reads run one at a time.
   */
  public void lookup(long[] hashes, int count, LookupVisitor visitor) throws IOException {
    lookup(hashes, count, visitor, null);
  }

  /**
   * As {@link #lookup(long[], int, LookupVisitor)}, with up to {@link #READS_IN_FLIGHT} block
   * reads of a stored sidecar running on {@code reads} (null: on the caller) ahead of the one being
   * scanned; the visitor still runs on the caller, in order. Memory stays below {@code
   * READS_IN_FLIGHT} reads of at most {@link #MAX_READ_BYTES}. A local copy is always read on the
   * caller: its reads come from the page cache in microseconds, less than handing each to another
   * thread costs (100 keys of a 1M-row copy: 1.0-2.0 ms on the caller, 3-17 ms on virtual threads).
   */
  public void lookup(long[] hashes, int count, LookupVisitor visitor, Executor reads) throws IOException {
    if (entries == 0 || count == 0) {
      return;
    }
    if (whole != null) {
      scan(ByteBuffer.wrap(whole), HEADER_BYTES, 0, entries, hashes, 0, count, visitor);
      return;
    }
    List<Range> ranges = ranges(hashes, count);
    if (reads == null || isLocalCopy()) {
      for (Range range : ranges) {
        range.scan(fetch(range), hashes, visitor);
      }
      return;
    }
    ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
    int next = 0;
    for (Range range : ranges) {
      while (next < ranges.size() && inFlight.size() < READS_IN_FLIGHT) {
        Range ahead = ranges.get(next++);
        inFlight.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return fetch(ahead);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                reads));
      }
      byte[] bytes;
      try {
        bytes = inFlight.poll().join();
      } catch (CompletionException e) {
        inFlight.forEach(f -> f.cancel(false));
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        if (e.getCause() instanceof RuntimeException runtime) {
          throw runtime;
        }
        throw e;
      }
      range.scan(bytes, hashes, visitor);
    }
  }

  /** Reads ahead while scanning; a request costs far more than the few KiB it returns. */
  static final int READS_IN_FLIGHT = 8;

  /** The block ranges that can hold the wanted hashes, each with the hashes it serves. */
  private List<Range> ranges(long[] hashes, int count) {
    List<Range> ranges = new ArrayList<>();
    int h = 0;
    while (h < count) {
      int last = lastBlockAtOrBelow(hashes[h]);
      if (last < 0) {
        h++; // below the smallest key hash: absent
        continue;
      }
      int firstBlock = firstBlockFor(hashes[h], last);
      int lastBlock = last;
      int firstHash = h;
      h++;
      // Extend the read over the following hashes while their blocks are near and the read stays small.
      while (h < count) {
        int next = lastBlockAtOrBelow(hashes[h]);
        long gap = (long) (next - lastBlock - 1) * BLOCK_ENTRIES * ENTRY_BYTES;
        long size = (long) (next - firstBlock + 1) * BLOCK_ENTRIES * ENTRY_BYTES;
        if (next > lastBlock && (gap > COALESCE_GAP_BYTES || size > MAX_READ_BYTES)) {
          break;
        }
        lastBlock = Math.max(lastBlock, next);
        h++;
      }
      long firstEntry = (long) firstBlock * BLOCK_ENTRIES;
      long endEntry = Math.min(entries, (long) (lastBlock + 1) * BLOCK_ENTRIES);
      ranges.add(new Range(firstEntry, endEntry, firstHash, h));
    }
    return ranges;
  }

  private byte[] fetch(Range range) throws IOException {
    return ranges.read(
        HEADER_BYTES + range.firstEntry * ENTRY_BYTES,
        Math.toIntExact((range.endEntry - range.firstEntry) * ENTRY_BYTES));
  }

  /** Entries {@code [firstEntry, endEntry)}, read in one request for hashes {@code [fromHash, toHash)}. */
  private record Range(long firstEntry, long endEntry, int fromHash, int toHash) {
    void scan(byte[] bytes, long[] hashes, LookupVisitor visitor) {
      KeyIndex.scan(ByteBuffer.wrap(bytes), 0, firstEntry, endEntry, hashes, fromHash, toHash, visitor);
    }
  }

  /** The last block whose first key hash is at or below {@code hash}; -1 if none. */
  private int lastBlockAtOrBelow(long hash) {
    int lo = 0;
    int hi = fences.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (fences[mid] <= hash) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Entries of {@code hash} may start in an earlier block when it also opens block {@code last}. */
  private int firstBlockFor(long hash, int last) {
    int first = last;
    while (first > 0 && fences[first] == hash) {
      first--;
    }
    return first;
  }

  /**
   * Visits the entries of {@code hashes[from..to)} among entries {@code [firstEntry, endEntry)},
   * stored in {@code buffer} from {@code offset}.
   */
  private static void scan(
      ByteBuffer buffer, int offset, long firstEntry, long endEntry, long[] hashes, int from, int to,
      LookupVisitor visitor) {
    int n = Math.toIntExact(endEntry - firstEntry);
    int start = 0;
    for (int h = from; h < to; h++) {
      long wanted = hashes[h];
      // Lower bound of the wanted hash; hashes ascend, so the search starts where the last one ended.
      int lo = start;
      int hi = n;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (buffer.getLong(offset + mid * ENTRY_BYTES) < wanted) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      int i = lo;
      while (i < n && buffer.getLong(offset + i * ENTRY_BYTES) == wanted) {
        int at = offset + i * ENTRY_BYTES;
        visitor.entry(h, buffer.getLong(at + 8), buffer.getLong(at + 16), buffer.get(at + 24) != 0);
        i++;
      }
      start = i;
    }
  }
}
