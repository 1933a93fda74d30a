package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.KeyIndex;
import dev.storagebuilder.common.snapshot.KeyIndexChecksum;
import dev.storagebuilder.common.snapshot.KeyIndexWriter;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.RowChecksum;
import dev.storagebuilder.common.snapshot.SnapshotFileStats;
import dev.storagebuilder.common.snapshot.SnapshotFormatException;
import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.snapshot.SnapshotShape;
import dev.storagebuilder.common.snapshot.SnapshotWriter;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.InterruptedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a target's rows (or its changes since the committed watermark) from the source into new
 * snapshot objects and a new manifest. Nothing it writes is visible to readers until the caller
 * commits the returned version.
 *
 * <p>Every file gets a key index sidecar ({@link KeyIndexWriter}). An incremental build writes a
 * delta of the changed rows and deleted keys, then computes the new state's row count and checksum
 * exactly from the sidecars: only the touched keys' old row hashes are looked up ({@link
 * KeyIndexChecksum}). A chain without sidecars (written before they existed) is recounted by
 * streaming the new state once through {@link SnapshotReader}; see docs/incremental.md for the cost.
 * When the state did not change, the delta is deleted again; the version record changes only when
 * the watermark moved (same manifest, new sequence and watermark), otherwise the current one stands.
 *
 * <p>A new manifest lists what the previous version referenced and it does not as retired ({@link
 * Retirement}); retired objects whose grace is over are left out of it and deleted by {@link
 * #deleteRetired} once the commit succeeded. Now and then a build lists the target's prefix and
 * retires the target's objects that no manifest references or retires ({@link OrphanSweep}); so
 * does a sync that finds nothing changed on a target idle for the grace, which then commits a new
 * manifest of the same files when the sweep found leftovers or due objects to delete.
 */
public final class SnapshotBuilder {
  private static final Logger log = LoggerFactory.getLogger(SnapshotBuilder.class);
  private static final int CANCEL_CHECK_MASK = 1023;
  /**
   * Sidecars up to this size (~325 records) travel inside the manifest: no PUT of their own, and the
   * next sync reads them with the manifest.
   */
  public static final long INLINE_KEY_INDEX_BYTES = 8 * 1024;
  /**
   * Base64 characters of inline sidecars one manifest may carry: the default chain (a base and
   * eight deltas) fits, while a long configured chain stores its later sidecars as objects rather
   * than rewriting megabytes of manifest on every commit.
   */
  public static final long MAX_INLINE_KEY_INDEX_CHARS = 128 * 1024;
  /** Sidecars up to this size go up in one PUT; larger ones stream as a multipart upload. */
  private static final long SINGLE_PUT_KEY_INDEX_BYTES = 1024 * 1024;
  private static final String KEY_INDEX_CONTENT_TYPE = "application/octet-stream";
  /** Recently used manifests and key index fences: a few MiB spare a warm worker several GETs a sync. */
  private static final long RECENT_MANIFEST_BYTES = 2L * 1024 * 1024;
  private static final long RECENT_KEY_INDEX_BYTES = 8L * 1024 * 1024;
  /** Local copies of the large sidecars this worker wrote: 25 bytes a row, so 512 MiB hold ~20M rows. */
  private static final long LOCAL_KEY_INDEX_BYTES = 512L * 1024 * 1024;
  /**
   * Idle targets whose sweep found nothing worth a version, by the manifest key they were at, ~200
   * bytes each: ~40,000 targets a worker. One dropped early is only swept again (a GET and a LIST).
   */
  private static final long IDLE_CHECK_BYTES = 8L * 1024 * 1024;
  private final RowSource source;
  private final ObjectStore store;
  private final StorageLayout layout;
  private final SnapshotWriterOptions writerOptions;
  private final CompactionPolicy compaction;
  private final Duration retiredObjectGrace;
  private final RetiredObjectDeletions deletions;
  private final OrphanSweeps sweeps;
  private final OrphanSweep orphanSweep;
  private final Clock clock;
  private final RecentObjects<Manifest> manifests =
      new RecentObjects<>(RECENT_MANIFEST_BYTES,
          m -> 4096L + 512L * m.chainLength() + 256L * m.retired().size() + m.inlineKeyIndexChars());
  private final RecentObjects<KeyIndex> keyIndexes = new RecentObjects<>(RECENT_KEY_INDEX_BYTES, KeyIndex::memoryBytes);
  private final LocalKeyIndexes localKeyIndexes = new LocalKeyIndexes(LOCAL_KEY_INDEX_BYTES);
  /** When this worker last swept an idle target and left it as it was (replaced on the next such sweep). */
  private final RecentObjects<Instant> idleChecks = new RecentObjects<>(IDLE_CHECK_BYTES, at -> 200L);
  /** Key index block reads of a lookup run ahead on virtual threads (they wait on S3, not on a core). */
  private final Executor keyIndexReads = Executors.newVirtualThreadPerTaskExecutor();
  /** A base's full key index chunks are sorted and spilled there, off the thread writing its rows. */
  private final Executor keyIndexSpills = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * What a builder does besides building, and whom it tells of it.
   *
   * @param compaction when a chain of deltas is replaced by a new base
   * @param retiredObjectGrace how long an object no version references any more stays for readers
   *     of the version that did
   * @param deletions told of each retired object deleted, or not
   * @param sweeps told of each sweep and of the leftovers committed sweeps retired
   * @param orphanSweep how often a build looks for objects no manifest retires, and how many it takes
   */
  public record Upkeep(
      CompactionPolicy compaction,
      Duration retiredObjectGrace,
      RetiredObjectDeletions deletions,
      OrphanSweeps sweeps,
      OrphanSweep orphanSweep) {
    /** The defaults, telling no one. */
    public static final Upkeep DEFAULTS = new Upkeep(CompactionPolicy.defaults(), Retirement.DEFAULT_GRACE,
        RetiredObjectDeletions.NONE, OrphanSweeps.NONE, OrphanSweep.DEFAULT);

    public Upkeep {
      Objects.requireNonNull(compaction, "compaction");
      Objects.requireNonNull(deletions, "deletions");
      Objects.requireNonNull(sweeps, "sweeps");
      Objects.requireNonNull(orphanSweep, "orphanSweep");
      if (retiredObjectGrace.isNegative()) {
        throw new IllegalArgumentException("retired object grace must be >= 0, got " + retiredObjectGrace);
      }
    }

    /** The worker's: its settings, and its metrics told. */
    public Upkeep(CompactionPolicy compaction, Duration retiredObjectGrace, RetiredObjectDeletions deletions,
        OrphanSweeps sweeps) {
      this(compaction, retiredObjectGrace, deletions, sweeps, OrphanSweep.DEFAULT);
    }

    public Upkeep withCompaction(CompactionPolicy policy) {
      return new Upkeep(policy, retiredObjectGrace, deletions, sweeps, orphanSweep);
    }
  }

  public SnapshotBuilder(
      RowSource source, ObjectStore store, StorageLayout layout, SnapshotWriterOptions writerOptions, Clock clock) {
    this(source, store, layout, writerOptions, Upkeep.DEFAULTS, clock);
  }

  public SnapshotBuilder(
      RowSource source,
      ObjectStore store,
      StorageLayout layout,
      SnapshotWriterOptions writerOptions,
      Upkeep upkeep,
      Clock clock) {
    this.compaction = upkeep.compaction();
    this.retiredObjectGrace = upkeep.retiredObjectGrace();
    this.deletions = upkeep.deletions();
    this.sweeps = upkeep.sweeps();
    this.orphanSweep = upkeep.orphanSweep();
    this.source = source;
    this.store = store;
    this.layout = layout;
    this.writerOptions = writerOptions;
    this.clock = clock;
  }

  public boolean clientExists(String clientId) throws SQLException {
    return source.clientExists(clientId);
  }

  public BuiltSnapshot build(TargetDeclaration declaration, TargetMessage message, Optional<TargetVersion> current)
      throws SQLException, IOException {
    return build(declaration, message, current, RowProgress.NONE);
  }

  /** @param progress told the source rows read so far every ~1,000 rows; it may stop the build by throwing */
  public BuiltSnapshot build(
      TargetDeclaration declaration, TargetMessage message, Optional<TargetVersion> current, RowProgress progress)
      throws SQLException, IOException {
    if (message.mode() == SyncMode.INCREMENTAL && current.isPresent()) {
      String shape = SnapshotShape.of(declaration);
      // Most syncs find nothing changed: when the version record vouches for the shape, the
      // manifest (an S3 GET unless this worker wrote or read it lately) is read only once there are
      // changes to add to it. A record without a shape, or with another one, is checked exactly.
      if (shape.equals(current.get().shape()) || sameShape(manifest(current.get().manifestKey()), declaration)) {
        Optional<BuiltSnapshot> delta = buildDelta(declaration, message, current.get(), shape, progress);
        if (delta.isPresent()) {
          BuiltSnapshot built = delta.get();
          return built.kind() == BuiltSnapshot.Kind.UNCHANGED ? sweptWhileIdle(message, current.get(), built) : built;
        }
      }
    }
    return buildBase(declaration, message, current, progress);
  }

  /** Rows read so far by one build (for the memory budget: a target that outgrows its reservation). */
  @FunctionalInterface
  public interface RowProgress {
    RowProgress NONE = rows -> {};

    void rowsRead(long rows) throws IOException;
  }

  private Manifest manifest(String key) throws IOException {
    Manifest manifest = manifests.get(key);
    if (manifest == null) {
      manifest = ManifestCodec.decode(store.get(key));
      manifests.put(key, manifest);
    }
    return manifest;
  }

  private KeyIndex keyIndex(String key, long entries) throws IOException {
    KeyIndex index = keyIndexes.get(key);
    if (index != null) {
      return index;
    }
    Optional<Path> local = localKeyIndexes.get(key);
    if (local.isPresent()) {
      try {
        return KeyIndex.openLocal(local.get(), key, entries);
      } catch (NoSuchFileException evicted) {
        // deleted by another target's sync in between: read the stored one
      }
    }
    index = KeyIndex.open(store, key, entries);
    keyIndexes.put(key, index);
    return index;
  }

  /**
   * What the attempt that won the commit of {@code built} does once it is committed: counts the
   * leftovers its sweep retired, and deletes the retired objects whose grace is over ({@link
   * #deleteRetired}).
   */
  public void committed(BuiltSnapshot built) {
    if (built.swept() > 0) {
      sweeps.retired(built.swept());
    }
    if (!built.retiredDue().isEmpty()) {
      deleteRetired(built);
    }
  }

  /**
   * Deletes the retired objects whose grace is over, once {@code built} is committed: its manifest
   * no longer lists them. Call it only for the attempt whose commit succeeded; a loser's manifest is
   * never read, and the winner's decides. A failed delete is logged and counted, not tried again
   * by this commit: no later manifest lists the object, so it stays in S3 until the target's next
   * sweep ({@link OrphanSweep}) retires it again.
   *
   * @return how many were deleted
   */
  public int deleteRetired(BuiltSnapshot built) {
    int deleted = 0;
    List<String> due = List.copyOf(built.retiredDue());
    // At most one request's keys a call: a request that fails whole fails exactly these.
    for (int from = 0; from < due.size(); from += ObjectStore.MAX_KEYS_PER_DELETE) {
      List<String> batch = due.subList(from, Math.min(due.size(), from + ObjectStore.MAX_KEYS_PER_DELETE));
      List<FailedDelete> failed;
      try {
        failed = deleteAllSettingInterruptAside(batch);
      } catch (IOException | RuntimeException e) {
        failed = batch.stream().map(key -> new FailedDelete(key, e.toString())).toList();
      }
      for (FailedDelete failure : failed) {
        deletions.failed();
        log.warn("could not delete retired object {} ({}); it stays in S3 until the target's next sweep",
            failure.key(), failure.reason());
      }
      for (int i = Math.min(failed.size(), batch.size()); i < batch.size(); i++) {
        deleted++;
        deletions.deleted();
      }
    }
    if (!built.retiredDue().isEmpty()) {
      log.info("deleted {} of {} retired objects whose grace of {} is over", deleted, built.retiredDue().size(),
          retiredObjectGrace);
    }
    return deleted;
  }

  /** Deletes what a losing or failed attempt wrote; the keys are unique to it, so no one else refers to them. */
  public void discard(BuiltSnapshot built) {
    built.trailing().discard(); // first, or the sidecar could arrive after its key was deleted
    for (String key : built.newObjects()) {
      deleteQuietly(key);
    }
  }

  private static boolean sameShape(Manifest manifest, TargetDeclaration declaration) {
    return manifest.columns().equals(declaration.columns())
        && manifest.keyColumns().equals(declaration.keyColumns())
        && manifest.versionColumn().equals(declaration.versionColumn());
  }

  private BuiltSnapshot buildBase(
      TargetDeclaration declaration, TargetMessage message, Optional<TargetVersion> current, RowProgress progress)
      throws SQLException, IOException {
    TargetRef ref = message.targetRef();
    long sequence = current.map(TargetVersion::sequence).orElse(0L) + 1;
    String baseKey = layout.baseKey(ref, sequence);
    // Read before the source is: a transient failure costs no export.
    Optional<Manifest> replaced = current.isPresent() ? replacedManifest(current.get()) : Optional.empty();
    SnapshotFileStats stats;
    long watermark;
    long started = System.nanoTime();
    long rowsDone;
    long finished;
    long opened;
    long rowWait;
    long compress;
    long partWaits;
    long highestVersionRead;
    boolean watermarkSettled;
    byte[] inlineIndex = null;
    KeyIndexWriter keyIndex = new KeyIndexWriter(true, KeyIndexWriter.DEFAULT_CHUNK_ENTRIES, null, keyIndexSpills);
    // A stored sidecar goes up on a thread of its own, which closes the key index when it is done;
    // the caller commits without waiting for it (TrailingUpload).
    BackgroundUpload sidecar = null;
    boolean handedOver = false;
    try (BuildObjects objects = new BuildObjects(this::deleteQuietly)) {
      try (SourceRead read = source.readAll(declaration, ref.clientId())) {
        opened = System.nanoTime();
        ObjectOutput out = store.create(baseKey);
        SnapshotWriter writer = SnapshotWriter.open(declaration, SnapshotKind.BASE, out, writerOptions, keyIndex);
        try {
          ResultSet rows = read.rows();
          writer.bind(rows);
          long count = 0;
          while (true) {
            int copied = copyRows(rows, writer, CANCEL_CHECK_MASK + 1);
            count += copied;
            if (copied <= CANCEL_CHECK_MASK) {
              break; // the end of the rows
            }
            // An abandoned target (lease lost, shutdown release) is interrupted; stop reading soon.
            if (Thread.currentThread().isInterrupted()) {
              throw new InterruptedIOException("target abandoned after " + count + " rows");
            }
            progress.rowsRead(count);
          }
          rowsDone = System.nanoTime();
          // Every record is in the key index now; the writer no longer touches it. A small one goes
          // into the manifest, a larger one up on its own once the file is (below).
          if (keyIndex.sidecarBytes() <= INLINE_KEY_INDEX_BYTES) {
            inlineIndex = sidecarContent(keyIndex);
          }
          stats = writer.seal();
          highestVersionRead = keyIndex.maxVersion();
          finished = System.nanoTime();
          rowWait = read.rowWaitNanos();
          compress = writer.compressNanos();
          partWaits = out.waitedNanos();
        } catch (SQLException | IOException | RuntimeException e) {
          writer.abort();
          throw e;
        }
        // The file goes up (its last part, or its only PUT) while the read closes and the manifest
        // is written.
        objects.start("file-" + declaration.name(), baseKey, () -> publish(writer, baseKey), writer::abort);
        // A full read must not move the watermark backwards either (a PostgreSQL read that could not
        // settle reports 0): the rows it read are complete up to what the previous version held.
        watermark = Math.max(read.watermark(), current.map(TargetVersion::watermark).orElse(0L));
        watermarkSettled = read.watermarkSettled();
      }
      long readClosed = System.nanoTime();
      Instant now = clock.instant();
      SnapshotObject file = stats.toObject(baseKey, 0, watermark);
      // The sidecar's key is known before it is stored, so neither the manifest nor the commit
      // waits for it.
      SnapshotObject base =
          inlineIndex == null ? file.withKeyIndex(layout.keyIndexKey(baseKey)) : file.withInlineKeyIndex(inlineIndex);
      String checksum = stats.checksum().toHex();
      Manifest manifest =
          Manifest.of(ref, declaration, sequence, watermark, base, List.of(), stats.rows(), checksum, message.runId(), now);
      String manifestKey = layout.manifestKey(ref, sequence);
      Retirement retirement = current.isEmpty()
          ? Retirement.NONE
          : Retirement.of(replaced.orElse(null), current.get().manifestKey(), manifest.storedKeys(), now,
              retiredObjectGrace);
      if (replaced.isPresent()) {
        retirement = sweptIfDue(ref, replaced.get(), current.get().manifestKey(), manifest, manifestKey, retirement, now);
      }
      manifest = manifest.withRetired(retirement.retired());
      byte[] manifestBytes = ManifestCodec.encode(manifest);
      long manifestPut = System.nanoTime();
      store.put(manifestKey, manifestBytes, "application/json");
      objects.stored(manifestKey);
      long manifestDone = System.nanoTime();
      objects.awaitAll();
      objects.keep();
      long published = System.nanoTime();
      if (inlineIndex == null) {
        // Merged and sent only now, and on past the commit: the file and the manifest, which the
        // commit waits for, had the cores and S3 to themselves (a sidecar is 25 bytes a row, more
        // than twice the file).
        sidecar = BackgroundUpload.start("key-index-" + declaration.name(), () -> {
          try {
            return writeKeyIndex(baseKey, keyIndex);
          } finally {
            keyIndex.close();
          }
        });
      }
      log.debug(
          "base of {} rows ({} bytes) built in {} ms: rows read and encoded {} ms, file sealed and read closed {} ms,"
              + " manifest {} ms, then waited for the file {} ms",
          stats.rows(), stats.bytes(), (published - started) / 1_000_000, (rowsDone - started) / 1_000_000,
          (readClosed - rowsDone) / 1_000_000, (manifestDone - manifestPut) / 1_000_000,
          (published - manifestDone) / 1_000_000);
      manifests.put(manifestKey, manifest);
      TargetVersion version =
          new TargetVersion(
              ref, sequence, watermark, manifestKey, stats.rows(), checksum, 0, message.runId(), now,
              SnapshotShape.of(declaration));
      // Closing the read (its reader thread, its transaction) is the database's time too.
      BuildSplit split = BuildSplit.of(published - started, opened - started + rowWait + (readClosed - finished),
          compress, partWaits + (published - manifestPut));
      List<String> newObjects = inlineIndex == null
          ? List.of(baseKey, base.keyIndex(), manifestKey)
          : List.of(baseKey, manifestKey);
      BuiltSnapshot built = new BuiltSnapshot(
          version, stats.rows(), stats.bytes() + manifestBytes.length, stats.rows(), BuiltSnapshot.Kind.BASE,
          newObjects, split, sidecar == null ? TrailingUpload.NONE : new TrailingUpload(sidecar, this::deleteQuietly),
          highestVersionRead, watermarkSettled, retirement.due(), retirement.swept());
      handedOver = true;
      return built;
    } finally {
      if (sidecar == null) {
        keyIndex.close();
      } else if (!handedOver) {
        sidecar.cancel().ifPresent(this::deleteQuietly); // its thread closes the key index as it ends
      }
    }
  }

  /**
   * Writes up to {@code max} rows, fewer only at the end of the rows; returns how many.
   *
   * <p>A method of its own for the JIT: called once per {@code max} rows, it is compiled as a whole
   * method that stays in use from one target to the next. The same loop inside {@link #buildBase},
   * which runs once per target, was compiled on stack with the writer inlined (~60 kB of code), and
   * that code was thrown away and compiled again at the end of a target and the start of the next
   * (three compilations of 0.4-0.7 CPU-s in a worker's second 1M-row export).
   */
  private static int copyRows(ResultSet rows, SnapshotWriter writer, int max) throws SQLException, IOException {
    int copied = 0;
    while (copied < max && rows.next()) {
      writer.writeRow(rows);
      copied++;
    }
    return copied;
  }

  /**
   * The delta of the changes since {@code current}, or the unchanged version when there are none;
   * empty when the manifest is due for compaction (checked once the first change shows, so a sync
   * with nothing to add never compacts and never reads the manifest for it).
   *
   * @param shape the declaration's, known to be the manifest's
   */
  private Optional<BuiltSnapshot> buildDelta(
      TargetDeclaration declaration, TargetMessage message, TargetVersion current, String shape,
      RowProgress progress)
      throws SQLException, IOException {
    TargetRef ref = message.targetRef();
    long sequence = current.sequence() + 1;
    String deltaKey = layout.deltaKey(ref, sequence);
    long readStart = System.nanoTime();
    try (KeyIndexWriter keyIndex = new KeyIndexWriter(false);
        BuildObjects objects = new BuildObjects(this::deleteQuietly)) {
      SnapshotFileStats stats = null;
      BackgroundUpload file = null;
      long rowsRead = 0;
      long from;
      long watermark;
      boolean watermarkSettled;
      long opened;
      long deletesRead;
      long upsertsRead;
      Manifest manifest = null;
      try (ChangeRead read = source.readChanges(declaration, ref.clientId(), current.watermark())) {
        opened = System.nanoTime();
        SnapshotWriter writer = null;
        try {
          ResultSet deletes = read.deletes();
          JdbcValues keyValues = JdbcValues.of(keyColumns(declaration));
          int keys = declaration.keyColumns().size();
          while (deletes.next()) {
            if (writer == null) {
              manifest = manifestToExtend(current);
              if (manifest == null) {
                return Optional.empty();
              }
              writer = openDelta(declaration, deltaKey, keyIndex);
            }
            Object[] key = keyValues.read(deletes);
            writer.writeDelete(key, deletes.getLong(keys + 1));
            if ((++rowsRead & CANCEL_CHECK_MASK) == 0) {
              progress.rowsRead(rowsRead);
            }
          }
          deletesRead = System.nanoTime();
          ResultSet upserts = read.upserts();
          while (upserts.next()) {
            if (writer == null) {
              manifest = manifestToExtend(current);
              if (manifest == null) {
                return Optional.empty();
              }
              writer = openDelta(declaration, deltaKey, keyIndex);
            }
            writer.writeUpsert(upserts);
            if ((++rowsRead & CANCEL_CHECK_MASK) == 0) {
              progress.rowsRead(rowsRead);
            }
          }
          upsertsRead = System.nanoTime();
          if (writer != null) {
            stats = writer.seal();
            // Goes up while the read closes, the state is counted and the manifest written.
            SnapshotWriter sealed = writer;
            file = objects.start("file-" + declaration.name(), deltaKey, () -> publish(sealed, deltaKey), sealed::abort);
          }
        } catch (SQLException | IOException | RuntimeException e) {
          if (writer != null && file == null) {
            writer.abort();
          }
          throw e;
        }
        from = read.fromVersion();
        watermark = Math.max(read.watermark(), current.watermark());
        watermarkSettled = read.watermarkSettled();
      }
      Instant now = clock.instant();
      if (stats == null) {
        return Optional.of(
            unchanged(current, sequence, watermark, watermarkSettled, rowsRead, 0, message, now, shape));
      }
      SnapshotObject delta = stats.toObject(deltaKey, Math.min(from, watermark), watermark);
      long checksumStart = System.nanoTime();
      Optional<RowChecksum> fromIndexes =
          KeyIndexChecksum.afterDelta(store, manifest, keyIndex, keyIndexReads, this::keyIndex);
      RowChecksum state;
      if (fromIndexes.isPresent()) {
        state = fromIndexes.get();
      } else {
        // Files written before sidecars existed: count the new state by reading it, the delta too.
        objects.await(file);
        Manifest provisional =
            manifest.withDelta(delta, sequence, current.rowCount(), current.contentChecksum(), message.runId(), now);
        state = stateChecksum(provisional);
      }
      log.info(
          "delta of {} records read and written in {} ms (settle and snapshot {}, deletes {}, upserts {}, finish {});"
              + " new state {} rows, counted {} in {} ms over {} objects",
          rowsRead, (checksumStart - readStart) / 1_000_000, (opened - readStart) / 1_000_000,
          (deletesRead - opened) / 1_000_000, (upsertsRead - deletesRead) / 1_000_000,
          (checksumStart - upsertsRead) / 1_000_000, state.count(),
          fromIndexes.isPresent() ? "from key indexes" : "by reading the state",
          (System.nanoTime() - checksumStart) / 1_000_000, manifest.objects().size() + 1);
      if (state.count() == current.rowCount() && state.toHex().equals(current.contentChecksum())) {
        // Only re-read changes the state already held (an overlap window): keep no new object
        // (closing the objects takes the file back).
        return Optional.of(unchanged(
            current, sequence, watermark, watermarkSettled, rowsRead, keyIndex.maxVersion(), message, now, shape));
      }
      List<String> newObjects = new ArrayList<>(List.of(deltaKey));
      long sidecarBytes = 0;
      if (keyIndex.sidecarBytes() <= INLINE_KEY_INDEX_BYTES
          && manifest.inlineKeyIndexChars() + base64Chars(keyIndex.sidecarBytes()) <= MAX_INLINE_KEY_INDEX_CHARS) {
        delta = delta.withInlineKeyIndex(sidecarContent(keyIndex));
      } else {
        String indexKey = writeKeyIndex(deltaKey, keyIndex);
        objects.stored(indexKey);
        newObjects.add(indexKey);
        sidecarBytes = keyIndex.sidecarBytes();
        delta = delta.withKeyIndex(indexKey);
      }
      Manifest next = manifest.withDelta(delta, sequence, state.count(), state.toHex(), message.runId(), now);
      String manifestKey = layout.manifestKey(ref, sequence);
      Retirement retirement = sweptIfDue(ref, manifest, current.manifestKey(), next, manifestKey,
          Retirement.of(manifest, current.manifestKey(), next.storedKeys(), now, retiredObjectGrace), now);
      next = next.withRetired(retirement.retired());
      newObjects.add(manifestKey);
      byte[] manifestBytes = ManifestCodec.encode(next);
      store.put(manifestKey, manifestBytes, "application/json");
      objects.stored(manifestKey);
      objects.awaitAll();
      objects.keep();
      manifests.put(manifestKey, next);
      TargetVersion version =
          new TargetVersion(
              ref, sequence, watermark, manifestKey, state.count(), state.toHex(), next.chainLength(), message.runId(),
              now, shape);
      return Optional.of(new BuiltSnapshot(
          version, stats.rows(), stats.bytes() + sidecarBytes + manifestBytes.length, rowsRead,
          BuiltSnapshot.Kind.DELTA, newObjects, BuildSplit.NONE, TrailingUpload.NONE, keyIndex.maxVersion(),
          watermarkSettled, retirement.due(), retirement.swept()));
    }
  }

  private static String publish(SnapshotWriter sealed, String key) throws IOException {
    sealed.publish();
    return key;
  }

  /** The current manifest, or null when it is due for compaction: the sync writes a new base instead. */
  private Manifest manifestToExtend(TargetVersion current) throws IOException {
    Manifest manifest = manifest(current.manifestKey());
    return compaction.compactBefore(manifest) ? null : manifest;
  }

  private SnapshotWriter openDelta(TargetDeclaration declaration, String deltaKey, KeyIndexWriter keyIndex)
      throws IOException {
    return SnapshotWriter.open(declaration, SnapshotKind.DELTA, store.create(deltaKey), writerOptions, keyIndex);
  }

  private static long base64Chars(long bytes) {
    return (bytes + 2) / 3 * 4;
  }

  /** The sidecar's bytes, for a small one (inline, or one PUT). */
  private static byte[] sidecarContent(KeyIndexWriter keyIndex) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) keyIndex.sidecarBytes());
    keyIndex.writeTo(bytes);
    return bytes.toByteArray();
  }

  /** Stores the sidecar of the file at {@code fileKey}; returns its key. */
  private String writeKeyIndex(String fileKey, KeyIndexWriter keyIndex) throws IOException {
    String key = layout.keyIndexKey(fileKey);
    if (keyIndex.sidecarBytes() <= SINGLE_PUT_KEY_INDEX_BYTES) {
      byte[] content = sidecarContent(keyIndex);
      store.put(key, content, KEY_INDEX_CONTENT_TYPE);
      // The next sync of this target looks it up: keep it rather than reading it back.
      keyIndexes.put(key, KeyIndex.open(store, key, keyIndex.entries(), content));
      return key;
    }
    // Large (a base): merged once into a local file that goes up while it grows (the merge and the
    // upload overlap) and is then kept for lookups.
    GrowingFile sidecar = GrowingFile.create(localKeyIndexes.newFile());
    long started = System.nanoTime();
    Thread merge =
        Thread.ofPlatform().daemon(true).name(Thread.currentThread().getName() + "-merge")
            .start(() -> mergeInto(sidecar, keyIndex));
    try {
      try {
        store.putStream(key, keyIndex.sidecarBytes(), sidecar::reader, KEY_INDEX_CONTENT_TYPE);
      } catch (IOException | RuntimeException e) {
        sidecar.fail(e);
        if (sidecar.failure() != e) {
          throw new IOException("key index merge failed", sidecar.failure());
        }
        throw e;
      } finally {
        BackgroundUpload.joinUninterruptibly(merge); // the key index must not outlive its writer, closed by the caller
      }
      log.debug("key index of {} entries merged and uploaded side by side in {} ms", keyIndex.entries(),
          (System.nanoTime() - started) / 1_000_000);
      localKeyIndexes.keep(key, sidecar.path());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(sidecar.path());
      throw e;
    }
    return key;
  }

  private static void mergeInto(GrowingFile sidecar, KeyIndexWriter keyIndex) {
    try (OutputStream out = new BufferedOutputStream(sidecar.writer(), 64 * 1024)) {
      keyIndex.writeTo(out);
    } catch (IOException | RuntimeException | Error e) {
      sidecar.fail(e);
      return;
    }
    sidecar.complete();
  }

  /**
   * Deletes an object no version refers to, also on a thread a revoked lease has interrupted: the
   * AWS SDK refuses a call made on an interrupted thread, which left an abandoned build's objects in
   * S3 for good. So the interrupt is set aside for the delete and restored after it.
   */
  private void deleteQuietly(String key) {
    // an unreferenced object is garbage, not an error; a failure leaves it behind
    deleteSettingInterruptAside(key);
  }

  /** Deletes {@code keys} in one request with the thread's interrupt set aside (see above); the keys refused. */
  private List<FailedDelete> deleteAllSettingInterruptAside(List<String> keys) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      return store.deleteAll(keys);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Deletes {@code key} with the thread's interrupt set aside (see above); the failure, if any. */
  private Optional<Exception> deleteSettingInterruptAside(String key) {
    boolean interrupted = Thread.interrupted();
    try {
      store.delete(key);
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The manifest a new base replaces, for the objects it retires; empty when it is gone or this
   * build cannot read it (a full sync is how a target is repaired, so that must not fail it: only
   * the manifest's own key is retired then, and its files stay in S3 until the target's next
   * sweep, which this build skips). Other failures (S3 down)
   * fail the build, retryably.
   */
  private Optional<Manifest> replacedManifest(TargetVersion current) throws IOException {
    try {
      return Optional.of(manifest(current.manifestKey()));
    } catch (NoSuchFileException | SnapshotFormatException e) {
      log.warn("the manifest {} this base replaces cannot be read ({}); its files are not retired and stay in S3"
          + " until the target's next sweep",
          current.manifestKey(), e.toString());
      return Optional.empty();
    }
  }

  /**
   * {@code retirement} with the target's leftovers retired too when {@link OrphanSweep} says this
   * build sweeps: one listing of the target's own prefix. A listing that fails (S3 down, or a role
   * without s3:ListBucket) costs the sweep, not the build: nothing is lost by retiring them later.
   *
   * @param current the manifest {@code next} replaces, read: what it references stays
   * @param next the new manifest, stored under {@code nextKey} once this returns
   */
  private Retirement sweptIfDue(
      TargetRef ref, Manifest current, String currentKey, Manifest next, String nextKey, Retirement retirement,
      Instant now) {
    if (!orphanSweep.dueAt(current, next.sequence())) {
      return retirement;
    }
    return swept(ref, current, currentKey, next, nextKey, retirement, now);
  }

  /** {@code retirement} with the target's leftovers retired too: one listing of the target's own prefix. */
  private Retirement swept(
      TargetRef ref, Manifest current, String currentKey, Manifest next, String nextKey, Retirement retirement,
      Instant now) {
    // Earlier sweeps' objects stay listed for the grace: each sweep within it adding a batch of its
    // own would grow every manifest (read and rewritten at each commit, read by every reader) by
    // thousands of entries while a target with years of leftovers drains.
    int room = orphanSweep.room(retirement.retired().size());
    if (room == 0) {
      log.debug("no sweep: the new manifest lists {} retired objects already", retirement.retired().size());
      return retirement;
    }
    long started = System.nanoTime();
    Set<String> kept = retirement.keys();
    kept.addAll(next.storedKeys());
    kept.add(nextKey);
    kept.addAll(current.storedKeys());
    kept.add(currentKey);
    // Listed only as far as needed: a target with years of leftovers has millions of keys, which
    // a whole listing held in memory and waited for at every sweep.
    OrphanSweep.Picker picker = orphanSweep.picker(
        key -> layout.isObjectOf(ref, key), kept, now, OrphanSweep.minAge(retiredObjectGrace), room);
    try {
      store.forEachObject(layout.targetPrefix(ref), picker::offer);
    } catch (IOException | RuntimeException e) {
      sweeps.listingFailed();
      log.warn("could not list the target's objects to retire what no manifest retires ({}); tried again at a later"
          + " sweep", e.toString());
      return retirement;
    }
    sweeps.listed();
    List<RetiredObject> swept = picker.swept();
    log.info("swept {} of the target's objects in {} ms: {} that no manifest retired are retired now{}",
        picker.offered(), (System.nanoTime() - started) / 1_000_000, swept.size(),
        current.schemaVersion() < Manifest.RETIRED_OBJECTS_SCHEMA_VERSION
            ? " (the manifest replaced, of schema " + current.schemaVersion() + ", listed none)" : "");
    return retirement.withSwept(swept);
  }

  /**
   * {@code unchanged} (a sync that found nothing to change), or a new version of the same files
   * under a new manifest when the target has been idle long enough to sweep and this worker has not
   * swept it lately ({@link OrphanSweep#idleLongEnough}), and the sweep is {@link
   * OrphanSweep#worthAVersion}: the new manifest lists the leftovers found and the manifest it
   * replaces as retired, and leaves out the retired objects whose grace is over, which the winner of
   * its commit deletes. Otherwise an idle target's build writes no manifest, so without this its
   * leftovers (what releases before retired lists superseded, an attempt killed before its commit)
   * and its last commit's retired objects stayed in S3 for as long as it did not change. It commits
   * like any build, on top of the version the sync read, so a race is lost or won as for a change.
   * Best effort: a failure leaves the sync as it was.
   */
  private BuiltSnapshot sweptWhileIdle(TargetMessage message, TargetVersion current, BuiltSnapshot unchanged) {
    Instant now = clock.instant();
    if (!OrphanSweep.idleLongEnough(current, now, retiredObjectGrace)) {
      return unchanged;
    }
    Instant checked = idleChecks.get(current.manifestKey());
    if (checked != null && now.isBefore(checked.plus(OrphanSweep.IDLE_RECHECK))) {
      return unchanged;
    }
    TargetRef ref = message.targetRef();
    try {
      Manifest manifest;
      try {
        manifest = manifest(current.manifestKey());
      } catch (NoSuchFileException | SnapshotFormatException e) {
        log.warn("the idle target's manifest {} cannot be read ({}); not swept", current.manifestKey(), e.toString());
        idleChecks.put(current.manifestKey(), now);
        return unchanged;
      }
      TargetVersion unchangedVersion = unchanged.version();
      long sequence = current.sequence() + 1;
      String nextKey = layout.manifestKey(ref, sequence);
      Manifest next = manifest.asNewVersion(sequence, unchangedVersion.watermark(), message.runId(), now);
      Retirement retirement = swept(ref, manifest, current.manifestKey(), next, nextKey,
          Retirement.of(manifest, current.manifestKey(), next.storedKeys(), now, retiredObjectGrace), now);
      if (!OrphanSweep.worthAVersion(retirement)) {
        log.debug("idle since {}: nothing worth a version ({} retired objects due, none swept)",
            current.committedAt(), retirement.due().size());
        idleChecks.put(current.manifestKey(), now);
        return unchanged;
      }
      next = next.withRetired(retirement.retired());
      byte[] manifestBytes = ManifestCodec.encode(next);
      store.put(nextKey, manifestBytes, "application/json");
      manifests.put(nextKey, next);
      log.info("idle since {}: a new manifest of the same files retires {} leftovers a sweep found and leaves out {}"
          + " retired objects whose grace is over", current.committedAt(), retirement.swept(), retirement.due().size());
      TargetVersion version =
          new TargetVersion(
              ref, sequence, unchangedVersion.watermark(), nextKey, current.rowCount(), current.contentChecksum(),
              current.chainLength(), message.runId(), now, unchangedVersion.shape());
      return new BuiltSnapshot(
          version, 0, manifestBytes.length, unchanged.rowsRead(), BuiltSnapshot.Kind.UNCHANGED, List.of(nextKey),
          BuildSplit.NONE, TrailingUpload.NONE, unchanged.highestVersionRead(), unchanged.watermarkSettled(),
          retirement.due(), retirement.swept());
    } catch (IOException | RuntimeException e) {
      // S3 down or the lease lost: the sync found nothing to change, and says so; a later one sweeps.
      log.warn("could not sweep the idle target ({}); the sync leaves it as it was", e.toString());
      return unchanged;
    }
  }

  /**
   * Nothing to add: the current record stands when it already holds this watermark and shape, so an
   * idle sync writes nothing anywhere; otherwise a new sequence records the moved watermark (or the
   * shape a record lacked).
   *
   * @param shape the manifest's (recorded from now on when the current record has none)
   */
  private static BuiltSnapshot unchanged(
      TargetVersion current, long sequence, long watermark, boolean watermarkSettled, long rowsRead,
      long highestVersionRead, TargetMessage message, Instant now, String shape) {
    if (watermark == current.watermark() && shape.equals(current.shape())) {
      return new BuiltSnapshot(current, 0, 0, rowsRead, BuiltSnapshot.Kind.UNCHANGED, List.of(), BuildSplit.NONE,
          highestVersionRead, watermarkSettled);
    }
    TargetVersion version =
        new TargetVersion(
            current.target(), sequence, watermark, current.manifestKey(), current.rowCount(), current.contentChecksum(),
            current.chainLength(), message.runId(), now, shape);
    return new BuiltSnapshot(version, 0, 0, rowsRead, BuiltSnapshot.Kind.UNCHANGED, List.of(), BuildSplit.NONE,
        highestVersionRead, watermarkSettled);
  }

  /** Count and checksum of the state a manifest describes, streamed once with bounded memory. */
  private RowChecksum stateChecksum(Manifest manifest) throws IOException {
    RowChecksum checksum = new RowChecksum(manifest.columns());
    try (CloseableIterator<Object[]> rows = SnapshotReader.open(store, manifest).rows()) {
      while (rows.hasNext()) {
        checksum.add(rows.next());
      }
    }
    return checksum;
  }

  private static List<ColumnDeclaration> keyColumns(TargetDeclaration declaration) {
    List<ColumnDeclaration> keys = new ArrayList<>();
    for (String key : declaration.keyColumns()) {
      keys.add(declaration.column(key));
    }
    return keys;
  }
}
