package dev.storagebuilder.worker.config;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.s3.S3StoreOptions;
import dev.storagebuilder.common.snapshot.KeyIndexWriter;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.LoopSettings;
import dev.storagebuilder.worker.pipeline.MemoryBudget;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the worker is configured with, checked once at startup. The memory check is the
 * legacy lesson: a configuration that cannot fit its heap is refused before it takes any work, not
 * discovered by the OOM killer mid-run. Since targets reserve their share of the heap as they start
 * ({@link #targetMemory()}), the check is that the largest single target fits; {@code
 * worker.concurrency} may be higher than the number of large targets that fit at once.
 *
 * @param poolSize JDBC connections; at least the targets that may read at once ({@code
 *     loop.concurrency()}, or the source cap when lower) so no target waits for one
 * @param fetchSize rows per JDBC round trip
 * @param visibilityTimeout how long a received message stays hidden while its target runs
 * @param rowGroupBytes Parquet row group size: one is buffered in memory per running target
 * @param partBytes S3 multipart part size (5 MiB, the S3 minimum, ..512 MiB, the store's maximum)
 * @param partsInFlight parts uploading concurrently per target
 * @param maxHeapBytes the heap the budget must fit in (the JVM's -Xmx)
 * @param compaction when an incremental sync writes a new base instead of a delta
 * @param changeRead how incremental reads find a safe watermark (overlap, settle timeout)
 * @param sourceSlots the fleet-wide cap on targets reading the source at once
 * @param postgresCopy read full snapshots from PostgreSQL with binary COPY where the column types allow
 * @param retiredObjectGrace how long an object no current version references any more (a replaced
 *     base, its deltas and sidecars, a replaced manifest) stays for readers of the version that did;
 *     deleted by the target's first commit after it
 */
public record WorkerSettings(
    AwsSettings aws,
    SourceConfig source,
    LoopSettings loop,
    ProcessingSettings processing,
    int poolSize,
    int fetchSize,
    Duration visibilityTimeout,
    long rowGroupBytes,
    long partBytes,
    int partsInFlight,
    String workerId,
    long maxHeapBytes,
    CompactionPolicy compaction,
    ChangeReadSettings changeRead,
    SourceSlotSettings sourceSlots,
    boolean postgresCopy,
    Duration retiredObjectGrace) {

  public static final int DEFAULT_FETCH_SIZE = 5_000;
  public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofMinutes(5);
  /** See {@link #retiredObjectGrace}: a reader holding a version for a long export of it still finds its objects. */
  public static final Duration DEFAULT_RETIRED_OBJECT_GRACE = Duration.ofHours(6);
  /**
   * A superseded snapshot costs its storage for the whole grace; past a week nothing plausible is
   * still reading a replaced version, and a larger value is more likely a unit mistake (7d for 7h).
   */
  static final Duration MAX_RETIRED_OBJECT_GRACE = Duration.ofDays(7);
  static final int MIN_AWS_CONNECTIONS = 16;
  /**
   * The heartbeat's first extension, at half the timeout, ends one and a half timeouts after the
   * receipt: 11 h 15 min at most, within SQS's 12 h with time to spare for a late heartbeat (the
   * receipt SQS counts from is a little earlier than the worker's, and the heartbeat may run late).
   */
  static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofMinutes(450);
  /** SQS's shortest long poll: {@code WaitTimeSeconds} is whole seconds, and 0 is a short poll. */
  static final Duration MIN_RECEIVE_WAIT = Duration.ofSeconds(1);
  /**
   * 8 MiB: one export worker's peak RSS 234-240 MB against 246-257 MB at 16 MiB (1M and 10M rows,
   * {@code -Xmx128m}, alternating bench runs), no slower (1M: 1.14 / 1.23 s against 1.16 / 1.29 s; 10M:
   * 850k / 855k against 808k / 836k rows/s). About 440,000 of the bench's raw_data rows a group.
   */
  public static final long DEFAULT_ROW_GROUP_BYTES = 8L << 20;
  public static final long DEFAULT_PART_BYTES = 5L << 20;
  public static final int DEFAULT_PARTS_IN_FLIGHT = 2;
  /** Heap the JVM, SDK clients, pools and Micronaut need before any target runs (measured ~40 MiB). */
  static final long BASELINE_HEAP_BYTES = 48L << 20;
  /** A generous upper bound of one fetched row's heap, for the fetch buffer's share of the budget. */
  static final long ROW_BYTES_ESTIMATE = 512;
  /**
   * A base's key index entries: the chunk being filled and the one being spilled, ~33 bytes an entry
   * while sorted ({@link KeyIndexWriter}).
   */
  static final long KEY_INDEX_BYTES = 2L * KeyIndexWriter.DEFAULT_CHUNK_ENTRIES * 33;
  /** Decoded rows waiting between the reader thread and the writer (jdbc.PrefetchingResultSet). */
  public static final int PREFETCH_ROWS = 3_000;
  /**
   * What a target known to be small reserves: its fetch and prefetch rows (at most the target's rows)
   * at {@link #ROW_BYTES_ESTIMATE}, a row group and one part buffer of a few MiB (buffers grow with
   * the data; a manifest or a sidecar of such a target is kilobytes).
   */
  static final long SMALL_TARGET_BYTES = 12L << 20;
  /** A full sync of at most this many rows last time is small: ~10 MiB at 512 bytes a row. */
  static final long SMALL_TARGET_ROWS = 20_000;

  public WorkerSettings {
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(processing, "processing");
    Objects.requireNonNull(compaction, "compaction");
    Objects.requireNonNull(changeRead, "changeRead");
    Objects.requireNonNull(sourceSlots, "sourceSlots");
    Objects.requireNonNull(retiredObjectGrace, "retiredObjectGrace");
    // 0 is allowed (delete at the next commit) for targets nobody reads while they sync.
    if (retiredObjectGrace.isNegative() || retiredObjectGrace.compareTo(MAX_RETIRED_OBJECT_GRACE) > 0) {
      throw new IllegalArgumentException(
          "worker.retired-object-grace must be 0s..168h (0 deletes what a version stops referencing at the target's"
              + " next commit, which a reader still on the previous version may meet as a 404), got "
              + retiredObjectGrace);
    }
    if (poolSize < sourceSlots.readersPerWorker(loop.concurrency())) {
      throw new IllegalArgumentException(
          sourceSlots.capped() && sourceSlots.cap() < loop.concurrency()
              ? "worker.pool-size must be >= worker.source-concurrency-cap (" + sourceSlots.cap() + "), got " + poolSize
              : "worker.pool-size must be >= worker.concurrency (" + loop.concurrency() + "), got " + poolSize);
    }
    if (fetchSize < 100 || fetchSize > 100_000) {
      throw new IllegalArgumentException("worker.fetch-size must be 100..100000, got " + fetchSize);
    }
    // The heartbeat extends by a whole timeout every half timeout, and SQS refuses an extension that
    // reaches past 12 h from the receipt. From 8 h on the very first one (at half the timeout, to one
    // and a half, plus however late it is) is refused, and every target running longer than half the
    // timeout was abandoned: a 10 h timeout let targets run 5 h, where 7 h let them run 7 h.
    // SQS takes whole seconds: a fraction went out truncated (10500ms as 10 s) while the lease keeper
    // timed the heartbeat and the abandonment from the untruncated value, after SQS had let go.
    if (visibilityTimeout.toSeconds() < 10 || visibilityTimeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0
        || visibilityTimeout.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "worker.visibility-timeout must be 10s..7h30m in whole seconds (the heartbeat extends it by a whole timeout at half of it,"
              + " and SQS extends a message to at most 12 h from its receipt), got " + visibilityTimeout);
    }
    // LoopSettings takes any wait up to 20 s (tests poll in-memory queues for milliseconds), but SQS
    // waits whole seconds: under 1 s is a short poll, which the loop repeats at once while the queue
    // is empty, spinning a core on ReceiveMessage calls that are each billed.
    // A fraction of a second went out truncated (1500ms as 1 s), not what was set.
    if (loop.receiveWait().compareTo(MIN_RECEIVE_WAIT) < 0 || loop.receiveWait().toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "worker.receive-wait must be 1s..20s in whole seconds (SQS long-polls in whole seconds; a shorter wait is a short poll"
              + " repeated without pause while the queue is empty), got " + loop.receiveWait());
    }
    // The backoff is a visibility change or a message delay, both whole seconds: a fraction went out
    // truncated, and a base under 1 s as 0, from which every doubling stays 0, so a short outage spent
    // every delivery at once and dead-lettered the target. ProcessingSettings takes any delay (tests
    // run against in-memory queues).
    Duration retryBase = processing.retryBaseDelay();
    Duration retryMax = processing.retryMaxDelay();
    if (retryBase.toSeconds() < 1 || retryBase.toNanosPart() != 0 || retryMax.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "worker.retry-base-delay and worker.retry-max-delay must be 1s..12h in whole seconds, base <= max (SQS delays a"
              + " message by whole seconds; under 1 s every retry came at once), got " + retryBase + " / " + retryMax);
    }
    if (rowGroupBytes < (1L << 20) || rowGroupBytes > (1L << 30)) {
      throw new IllegalArgumentException("worker.row-group-bytes must be 1 MiB..1 GiB, got " + rowGroupBytes);
    }
    // The store's own bounds (S3StoreOptions): checked here so the message names this setting, not
    // the store's, and before anything is wired.
    if (partBytes < S3StoreOptions.MIN_PART_SIZE || partBytes > S3StoreOptions.MAX_PART_SIZE) {
      throw new IllegalArgumentException(
          "worker.part-bytes must be 5 MiB (the S3 multipart minimum)..512 MiB (a part is one heap buffer), got "
              + partBytes);
    }
    if (partsInFlight < 1 || partsInFlight > 16) {
      throw new IllegalArgumentException("worker.parts-in-flight must be 1..16, got " + partsInFlight);
    }
    // Each SDK client's pool must hold every target's parts in flight and its other calls at once
    // (awsConnections): a larger product passed here and then failed the wiring, naming
    // aws.maxConnections, a setting nobody can set.
    long connections = (long) loop.concurrency() * (partsInFlight + 2);
    if (connections > AwsClients.MAX_CONNECTIONS) {
      throw new IllegalArgumentException(
          "worker.concurrency x (worker.parts-in-flight + 2) must be <= " + AwsClients.MAX_CONNECTIONS
              + " (the connections of one SDK client), got " + loop.concurrency() + " x " + (partsInFlight + 2) + " = "
              + connections + "; lower either");
    }
    if (workerId == null || workerId.isBlank()) {
      throw new IllegalArgumentException("worker.id must not be blank");
    }
    long needed = BASELINE_HEAP_BYTES + perTargetBytes(fetchSize, rowGroupBytes, partBytes, partsInFlight);
    if (needed > maxHeapBytes) {
      throw new IllegalArgumentException(
          "worker memory budget does not fit: one target (row group " + mib(rowGroupBytes) + " + " + (partsInFlight + 1)
              + " parts x " + mib(partBytes) + " + fetch " + fetchSize + " + prefetch " + PREFETCH_ROWS + " rows + key index "
              + mib(KEY_INDEX_BYTES) + ") + "
              + mib(BASELINE_HEAP_BYTES) + " baseline = " + mib(needed) + ", but the heap is " + mib(maxHeapBytes)
              + "; lower worker.row-group-bytes, worker.part-bytes, worker.parts-in-flight or worker.fetch-size, or give the JVM"
              + " more heap (-Xmx, or a larger container under -XX:MaxRAMPercentage)");
    }
  }

  /**
   * The heap the running targets share (see {@link MemoryBudget}): the max heap less the baseline.
   * {@code worker.concurrency} caps how many run; this caps their memory, so at 128 MiB two large
   * targets run at once, or up to {@code concurrency} small ones.
   */
  public MemoryBudget targetMemory() {
    long perTarget = perTargetBytes(fetchSize, rowGroupBytes, partBytes, partsInFlight);
    return new MemoryBudget(
        maxHeapBytes - BASELINE_HEAP_BYTES, perTarget, Math.min(perTarget, SMALL_TARGET_BYTES), SMALL_TARGET_ROWS);
  }

  /**
   * The connection pool of each SDK client: every running target's parts in flight, plus one for its
   * other calls and one for the loop's, at least {@value #MIN_AWS_CONNECTIONS}.
   */
  public int awsConnections() {
    return Math.max(MIN_AWS_CONNECTIONS, loop.concurrency() * (partsInFlight + 2));
  }

  /**
   * The default pool: one connection per target that may read at once, plus one for the breaker's
   * probe and the clients query.
   */
  public static int defaultPoolSize(int concurrency, SourceSlotSettings sourceSlots) {
    return sourceSlots.readersPerWorker(concurrency) + 1;
  }

  /**
   * The most one running target buffers: a row group, its parts in flight and the one filling, a
   * fetch, and its key index's chunks.
   */
  public static long perTargetBytes(int fetchSize, long rowGroupBytes, long partBytes, int partsInFlight) {
    return rowGroupBytes + (partsInFlight + 1) * partBytes + (fetchSize + PREFETCH_ROWS) * ROW_BYTES_ESTIMATE
        + KEY_INDEX_BYTES;
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
