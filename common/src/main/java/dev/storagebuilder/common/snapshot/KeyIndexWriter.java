package dev.storagebuilder.common.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Collects one snapshot file's {@link KeyIndex} entries as the file is written and produces the
 * sorted sidecar afterwards. Memory stays bounded for any number of rows: entries are sorted in
 * chunks of {@code chunkEntries} (about 33 bytes each while sorting); a full chunk is spilled as a
 * sorted run to a temporary file and the runs are k-way merged when the sidecar is written. The sort
 * is stable (LSD radix on the key hash, ties merged in run order), so records of one key keep the
 * order they were written in, which the delta precedence rule needs for equal versions.
 *
 * <p>With a spill executor, a full chunk is sorted and written on it while the caller fills a
 * second chunk: the writer of a large file then never stops for a spill (7 % of its thread in a 1M-row
 * export), for one more chunk of memory. A spill's failure surfaces at the next full chunk or when
 * the sidecar is written.
 *
 * <p>Not thread-safe. {@link #close()} deletes the spill file.
 */
public final class KeyIndexWriter implements AutoCloseable {
  /**
   * 64Ki entries: about 2 MiB while sorting, 1.6 MiB spilled per run (a 10M-row base merges 153
   * runs through 8 KiB buffers).
   */
  public static final int DEFAULT_CHUNK_ENTRIES = 1 << 16;

  private static final int INITIAL_CAPACITY = 256;
  private static final int RUN_BUFFER_BYTES = 8 * 1024;
  private static final int SPILL_BUFFER_BYTES = 64 * 1024;

  private final int chunkEntries;
  private final Path spillDirectory;
  private final boolean unique;
  /** Sorts and writes full chunks; null: the caller does, in {@link #add}. */
  private final Executor spiller;
  private Chunk filling = new Chunk(INITIAL_CAPACITY);
  /** A spilled chunk's arrays, kept for the next one to fill (with a spiller). */
  private Chunk spare;
  /** The spill running on the spiller, if any; at most one, so at most two chunks exist. */
  private CompletableFuture<Chunk> spilling;
  private long entries;
  private long maxVersion;
  private Path spill;
  private FileChannel spillOut;
  /** Spilled entries go out through this buffer in bulk (DataOutputStream wrote a long at a time). */
  private ByteBuffer spillBuffer;
  private final List<Long> runEnds = new ArrayList<>();

  /**
   * @param unique whether every key occurs at most once (a base): then two equal key hashes are a
   *     hash collision, counted in the sidecar so lookups can refuse to rely on it
   */
  public KeyIndexWriter(boolean unique) {
    this(unique, DEFAULT_CHUNK_ENTRIES, null);
  }

  /**
   * @param spillDirectory where sorted runs go; null for the JVM's temporary directory
   */
  public KeyIndexWriter(boolean unique, int chunkEntries, Path spillDirectory) {
    this(unique, chunkEntries, spillDirectory, null);
  }

  /**
   * @param spiller sorts and writes full chunks while the caller goes on adding (null: the caller
   *     does, when a chunk fills)
   */
  public KeyIndexWriter(boolean unique, int chunkEntries, Path spillDirectory, Executor spiller) {
    if (chunkEntries < 2) {
      throw new IllegalArgumentException("chunkEntries must be >= 2, got " + chunkEntries);
    }
    this.unique = unique;
    this.chunkEntries = chunkEntries;
    this.spillDirectory = spillDirectory;
    this.spiller = spiller;
  }

  /** Records one Parquet record of the file, in write order. */
  public void add(long keyHash, long rowHash, long version, boolean delete) throws IOException {
    Chunk chunk = filling;
    if (chunk.sorted) {
      throw new IllegalStateException("key index already sorted; no more entries");
    }
    if (chunk.size == chunkEntries) {
      chunk = spillFilling();
    } else if (chunk.size == chunk.keyHashes.length) {
      chunk.grow(Math.min(chunkEntries, chunk.size * 2));
    }
    int at = chunk.size++;
    chunk.keyHashes[at] = keyHash;
    chunk.rowHashes[at] = rowHash;
    chunk.versions[at] = version;
    chunk.deletes[at] = delete;
    entries++;
    if (version > maxVersion) {
      maxVersion = version;
    }
  }

  /** The highest version among the records added so far (0 when none). */
  public long maxVersion() {
    return maxVersion;
  }

  public long entries() {
    return entries;
  }

  /** Bytes {@link #writeTo} produces. */
  public long sidecarBytes() {
    return KeyIndex.sidecarBytes(entries);
  }

  /** Whether {@link #writeTo} merges runs from disk (tests check the spill path runs). */
  public boolean spilled() {
    return spill != null;
  }

  /** Visits every entry in key hash order (stable); may be called more than once. */
  public void forEachSorted(KeyIndex.EntryVisitor visitor) throws IOException {
    if (spill == null) {
      Chunk chunk = filling;
      chunk.sort();
      for (int i = 0; i < chunk.size; i++) {
        int e = chunk.order[i];
        visitor.entry(chunk.keyHashes[e], chunk.rowHashes[e], chunk.versions[e], chunk.deletes[e]);
      }
      return;
    }
    if (spillOut != null) {
      // The last chunk joins the runs on disk, so one merge handles everything.
      awaitSpill();
      filling.sort();
      writeRun(filling);
      spillOut.close();
      spillOut = null;
      filling = Chunk.released();
      spare = null;
      spillBuffer = null;
    }
    mergeRuns(visitor);
  }

  /** Writes the sidecar ({@link KeyIndex} format); returns the bytes written. */
  public long writeTo(OutputStream out) throws IOException {
    SidecarEncoder encoder = new SidecarEncoder(out, entries, unique);
    forEachSorted(encoder);
    return encoder.finish();
  }

  /** Releases the memory and deletes the spill file. */
  @Override
  public void close() {
    if (spilling != null) {
      // Its writes must end before the file goes; its outcome no longer matters.
      spilling.handle((chunk, failure) -> null).join();
      spilling = null;
    }
    filling = Chunk.released();
    spare = null;
    spillBuffer = null;
    try {
      if (spillOut != null) {
        spillOut.close();
      }
    } catch (IOException ignored) {
      // the file is deleted next
    }
    spillOut = null;
    if (spill != null) {
      try {
        Files.deleteIfExists(spill);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete key index spill file " + spill, e);
      }
      spill = null;
    }
  }

  /** Spills the full chunk being filled; returns the (empty) chunk to fill next. */
  private Chunk spillFilling() throws IOException {
    if (spill == null) {
      spill =
          spillDirectory == null
              ? Files.createTempFile("sb-keyindex-", ".runs")
              : Files.createTempFile(spillDirectory, "sb-keyindex-", ".runs");
      spillOut = FileChannel.open(spill, StandardOpenOption.WRITE);
      spillBuffer = ByteBuffer.allocate(SPILL_BUFFER_BYTES - SPILL_BUFFER_BYTES % Run.RECORD);
    }
    Chunk full = filling;
    if (spiller == null) {
      full.sort();
      writeRun(full);
      full.clear();
      return full;
    }
    awaitSpill(); // runs stay in write order, and one chunk is spilled at a time
    spilling = CompletableFuture.supplyAsync(() -> {
      try {
        full.sort();
        writeRun(full);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      full.clear();
      return full;
    }, spiller);
    filling = spare != null ? spare : new Chunk(chunkEntries);
    spare = null;
    return filling;
  }

  /** Waits for the spill in flight and keeps its chunk for reuse; rethrows its failure. */
  private void awaitSpill() throws IOException {
    if (spilling == null) {
      return;
    }
    CompletableFuture<Chunk> pending = spilling;
    spilling = null;
    try {
      spare = pending.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw new IOException("spilling the key index failed: " + io.getCause().getMessage(), io.getCause());
      }
      throw e;
    }
  }

  private void writeRun(Chunk chunk) throws IOException {
    ByteBuffer buffer = spillBuffer;
    for (int i = 0; i < chunk.size; i++) {
      if (buffer.remaining() < Run.RECORD) {
        drainSpillBuffer();
      }
      int e = chunk.order[i];
      buffer.putLong(chunk.keyHashes[e]).putLong(chunk.rowHashes[e]).putLong(chunk.versions[e])
          .put((byte) (chunk.deletes[e] ? 1 : 0));
    }
    drainSpillBuffer();
    runEnds.add(spillOut.position());
  }

  private void drainSpillBuffer() throws IOException {
    spillBuffer.flip();
    while (spillBuffer.hasRemaining()) {
      spillOut.write(spillBuffer);
    }
    spillBuffer.clear();
  }

  /** Entries in write order, and once sorted their order by key hash. */
  private static final class Chunk {
    long[] keyHashes;
    long[] rowHashes;
    long[] versions;
    boolean[] deletes;
    int size;
    int[] order;
    int[] scratch;
    boolean sorted;

    Chunk(int capacity) {
      keyHashes = new long[capacity];
      rowHashes = new long[capacity];
      versions = new long[capacity];
      deletes = new boolean[capacity];
    }

    /** No memory and no more entries: what a writer holds once its entries went to disk or it closed. */
    static Chunk released() {
      Chunk chunk = new Chunk(0);
      chunk.sorted = true;
      return chunk;
    }

    void grow(int capacity) {
      keyHashes = Arrays.copyOf(keyHashes, capacity);
      rowHashes = Arrays.copyOf(rowHashes, capacity);
      versions = Arrays.copyOf(versions, capacity);
      deletes = Arrays.copyOf(deletes, capacity);
    }

    void clear() {
      size = 0;
      sorted = false;
    }

    /**
     * Stable sort of the chunk's indexes by signed key hash, with no allocation per entry. Key hashes
     * are uniform, so two radix passes on their top 16 bits leave a chunk of 64Ki entries nearly
     * sorted (about one entry per prefix) and an insertion sort finishes it in one more pass: a
     * quarter of the work of eight radix passes over all 64 bits. Hashes crowded into few prefixes
     * (not what a hash gives, but possible) would make the insertion sort quadratic: past a budget of
     * moves it gives up and the full radix sort runs instead.
     */
    void sort() {
      if (sorted) {
        return;
      }
      if (order == null || order.length < size) {
        order = new int[keyHashes.length];
        scratch = new int[keyHashes.length];
      }
      int[] counts = new int[257];
      identity(order);
      radixPass(order, scratch, 48, counts);
      radixPass(scratch, order, 56, counts);
      if (!insertionSort(order, 4L * size + 64)) {
        identity(order); // stability is relative to write order: start again from it
        for (int shift = 0; shift < 64; shift += 16) {
          radixPass(order, scratch, shift, counts);
          radixPass(scratch, order, shift + 8, counts);
        }
      }
      sorted = true;
    }

    private void identity(int[] indexes) {
      for (int i = 0; i < size; i++) {
        indexes[i] = i;
      }
    }

    /** One stable counting pass on the byte at {@code shift}: {@code from}'s order into {@code to}. */
    private void radixPass(int[] from, int[] to, int shift, int[] counts) {
      Arrays.fill(counts, 0);
      for (int i = 0; i < size; i++) {
        counts[digit(keyHashes[from[i]], shift) + 1]++;
      }
      for (int d = 0; d < 256; d++) {
        counts[d + 1] += counts[d];
      }
      for (int i = 0; i < size; i++) {
        int e = from[i];
        to[counts[digit(keyHashes[e], shift)]++] = e;
      }
    }

    /** Stable (moves an entry only past greater ones); false once more than {@code budget} moves were needed. */
    private boolean insertionSort(int[] indexes, long budget) {
      long moves = 0;
      for (int i = 1; i < size; i++) {
        int e = indexes[i];
        long key = keyHashes[e];
        int j = i;
        while (j > 0 && keyHashes[indexes[j - 1]] > key) {
          indexes[j] = indexes[j - 1];
          j--;
          if (++moves > budget) {
            indexes[j] = e;
            return false;
          }
        }
        indexes[j] = e;
      }
      return true;
    }

    private static int digit(long keyHash, int shift) {
      // Flipping the sign bit makes unsigned byte order equal signed order (KeyIndex sorts signed).
      return (int) (((keyHash ^ Long.MIN_VALUE) >>> shift) & 0xff);
    }
  }

  private void mergeRuns(KeyIndex.EntryVisitor visitor) throws IOException {
    try (FileChannel channel = FileChannel.open(spill, StandardOpenOption.READ)) {
      int runs = runEnds.size();
      Run[] heads = new Run[runs];
      long start = 0;
      for (int r = 0; r < runs; r++) {
        heads[r] = new Run(channel, start, runEnds.get(r), r);
        start = runEnds.get(r);
      }
      // A binary min-heap of runs ordered by (current key hash, run number): ties go to the
      // earlier run, which keeps the merge stable.
      Run[] heap = new Run[runs];
      int heapSize = 0;
      for (Run run : heads) {
        if (run.advance()) {
          heap[heapSize++] = run;
          siftUp(heap, heapSize - 1);
        }
      }
      while (heapSize > 0) {
        Run top = heap[0];
        visitor.entry(top.keyHash, top.rowHash, top.version, top.delete);
        if (!top.advance()) {
          heap[0] = heap[--heapSize];
          heap[heapSize] = null;
        }
        if (heapSize > 0) {
          siftDown(heap, heapSize, 0);
        }
      }
    }
  }

  private static boolean before(Run a, Run b) {
    return a.keyHash < b.keyHash || (a.keyHash == b.keyHash && a.number < b.number);
  }

  private static void siftUp(Run[] heap, int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!before(heap[i], heap[parent])) {
        return;
      }
      Run swap = heap[i];
      heap[i] = heap[parent];
      heap[parent] = swap;
      i = parent;
    }
  }

  private static void siftDown(Run[] heap, int size, int i) {
    while (true) {
      int left = 2 * i + 1;
      if (left >= size) {
        return;
      }
      int child = left + 1 < size && before(heap[left + 1], heap[left]) ? left + 1 : left;
      if (!before(heap[child], heap[i])) {
        return;
      }
      Run swap = heap[i];
      heap[i] = heap[child];
      heap[child] = swap;
      i = child;
    }
  }

  /** One sorted run of the spill file, read through a small buffer. */
  private static final class Run {
    private static final int RECORD = 25;
    private final FileChannel channel;
    private final long end;
    private final int number;
    private final ByteBuffer buffer = ByteBuffer.allocate(RUN_BUFFER_BYTES - RUN_BUFFER_BYTES % RECORD);
    private long position;
    long keyHash;
    long rowHash;
    long version;
    boolean delete;

    Run(FileChannel channel, long start, long end, int number) {
      this.channel = channel;
      this.position = start;
      this.end = end;
      this.number = number;
      buffer.limit(0);
    }

    boolean advance() throws IOException {
      if (!buffer.hasRemaining()) {
        if (position >= end) {
          return false;
        }
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), end - position));
        while (buffer.hasRemaining()) {
          int n = channel.read(buffer, position + buffer.position());
          if (n < 0) {
            throw new IOException("key index spill file ended early");
          }
        }
        position += buffer.limit();
        buffer.flip();
      }
      keyHash = buffer.getLong();
      rowHash = buffer.getLong();
      version = buffer.getLong();
      delete = buffer.get() != 0;
      return true;
    }
  }

  /** Streams sorted entries into the sidecar layout, collecting the fences on the way. */
  private static final class SidecarEncoder implements KeyIndex.EntryVisitor {
    private final OutputStream out;
    private final long expected;
    private final boolean unique;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024 - 64 * 1024 % KeyIndex.ENTRY_BYTES);
    private final long[] fences;
    private long written;
    private long bytes;
    private long collisions;
    private long previous;

    SidecarEncoder(OutputStream out, long expected, boolean unique) throws IOException {
      this.out = out;
      this.expected = expected;
      this.unique = unique;
      this.fences = new long[KeyIndex.blocks(expected)];
      ByteBuffer header = ByteBuffer.allocate(KeyIndex.HEADER_BYTES);
      header.putInt(KeyIndex.MAGIC).putInt(KeyIndex.FORMAT_VERSION).putInt(KeyIndex.BLOCK_ENTRIES).putInt(0);
      out.write(header.array());
      bytes = KeyIndex.HEADER_BYTES;
    }

    @Override
    public void entry(long keyHash, long rowHash, long version, boolean delete) throws IOException {
      if (written % KeyIndex.BLOCK_ENTRIES == 0) {
        fences[(int) (written / KeyIndex.BLOCK_ENTRIES)] = keyHash;
      }
      if (unique && written > 0 && keyHash == previous) {
        collisions++;
      }
      previous = keyHash;
      if (!buffer.hasRemaining()) {
        flush();
      }
      buffer.putLong(keyHash).putLong(rowHash).putLong(version).put((byte) (delete ? 1 : 0));
      written++;
    }

    long finish() throws IOException {
      if (written != expected) {
        throw new IllegalStateException("key index wrote " + written + " entries, expected " + expected);
      }
      flush();
      ByteBuffer tail = ByteBuffer.allocate(fences.length * Long.BYTES + KeyIndex.TRAILER_BYTES);
      for (long fence : fences) {
        tail.putLong(fence);
      }
      tail.putLong(written).putLong(collisions).putInt(KeyIndex.MAGIC);
      out.write(tail.array());
      bytes += tail.capacity();
      out.flush();
      return bytes;
    }

    private void flush() throws IOException {
      out.write(buffer.array(), 0, buffer.position());
      bytes += buffer.position();
      buffer.clear();
    }
  }
}
