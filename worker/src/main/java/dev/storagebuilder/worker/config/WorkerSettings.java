package dev.storagebuilder.worker.config;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.ChangeReadSettings;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import dev.storagebuilder.worker.pipeline.LoopSettings;
import dev.storagebuilder.worker.pipeline.ProcessingSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the worker is configured with, checked once at startup. The memory check is the
 * legacy lesson: a configuration that cannot fit its heap is refused before it takes any work, not
 * discovered by the OOM killer mid-run.
 *
 * @param poolSize JDBC connections; at least the targets that may read at once ({@code
 *     loop.concurrency()}, or the source cap when lower) so no target waits for one
 * @param fetchSize rows per JDBC round trip
 * @param visibilityTimeout how long a received message stays hidden while its target runs
 * @param rowGroupBytes Parquet row group size: one is buffered in memory per running target
 * @param partBytes S3 multipart part size (>= 5 MiB, the S3 minimum)
 * @param partsInFlight parts uploading concurrently per target
 * @param maxHeapBytes the heap the budget must fit in (the JVM's -Xmx)
 * @param compaction when an incremental sync writes a new base instead of a delta
 * @param changeRead how incremental reads find a safe watermark (overlap, settle timeout)
 * @param sourceSlots the fleet-wide cap on targets reading the source at once
 * @param postgresCopy read full snapshots from PostgreSQL with binary COPY where the column types allow
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
    boolean postgresCopy) {

  public static final int DEFAULT_FETCH_SIZE = 5_000;
  public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofMinutes(5);
  public static final long DEFAULT_ROW_GROUP_BYTES = 16L << 20;
  public static final long DEFAULT_PART_BYTES = 5L << 20;
  public static final int DEFAULT_PARTS_IN_FLIGHT = 2;
  /** Heap the JVM, SDK clients, pools and Micronaut need before any target runs (measured ~40 MiB). */
  static final long BASELINE_HEAP_BYTES = 48L << 20;
  /** A generous upper bound of one fetched row's heap, for the fetch buffer's share of the budget. */
  static final long ROW_BYTES_ESTIMATE = 512;
  /** Decoded rows waiting between the reader thread and the writer (jdbc.PrefetchingResultSet). */
  public static final int PREFETCH_ROWS = 3_000;

  public WorkerSettings {
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(processing, "processing");
    Objects.requireNonNull(compaction, "compaction");
    Objects.requireNonNull(changeRead, "changeRead");
    Objects.requireNonNull(sourceSlots, "sourceSlots");
    if (poolSize < sourceSlots.readersPerWorker(loop.concurrency())) {
      throw new IllegalArgumentException(
          sourceSlots.capped() && sourceSlots.cap() < loop.concurrency()
              ? "worker.pool-size must be >= worker.source-concurrency-cap (" + sourceSlots.cap() + "), got " + poolSize
              : "worker.pool-size must be >= worker.concurrency (" + loop.concurrency() + "), got " + poolSize);
    }
    if (fetchSize < 100 || fetchSize > 100_000) {
      throw new IllegalArgumentException("worker.fetch-size must be 100..100000, got " + fetchSize);
    }
    if (visibilityTimeout.toSeconds() < 10 || visibilityTimeout.toSeconds() > 43_200) {
      throw new IllegalArgumentException(
          "worker.visibility-timeout must be 10s..12h (SQS limits), got " + visibilityTimeout);
    }
    if (rowGroupBytes < (1L << 20) || rowGroupBytes > (1L << 30)) {
      throw new IllegalArgumentException("worker.row-group-bytes must be 1 MiB..1 GiB, got " + rowGroupBytes);
    }
    if (partBytes < (5L << 20) || partBytes > (1L << 30)) {
      throw new IllegalArgumentException(
          "worker.part-bytes must be 5 MiB (the S3 multipart minimum)..1 GiB, got " + partBytes);
    }
    if (partsInFlight < 1 || partsInFlight > 16) {
      throw new IllegalArgumentException("worker.parts-in-flight must be 1..16, got " + partsInFlight);
    }
    if (workerId == null || workerId.isBlank()) {
      throw new IllegalArgumentException("worker.id must not be blank");
    }
    long needed = memoryBudget(loop.concurrency(), fetchSize, rowGroupBytes, partBytes, partsInFlight);
    if (needed > maxHeapBytes) {
      throw new IllegalArgumentException(
          "worker memory budget does not fit: worker.concurrency " + loop.concurrency() + " x (row group "
              + mib(rowGroupBytes) + " + " + (partsInFlight + 1) + " parts x " + mib(partBytes) + " + fetch "
              + fetchSize + " + prefetch " + PREFETCH_ROWS + " rows) + " + mib(BASELINE_HEAP_BYTES) + " baseline = " + mib(needed)
              + ", but the heap is " + mib(maxHeapBytes)
              + "; lower worker.concurrency or the buffers, or give the JVM more memory");
    }
  }

  /**
   * The default pool: one connection per target that may read at once, plus one for the breaker's
   * probe and the clients query.
   */
  public static int defaultPoolSize(int concurrency, SourceSlotSettings sourceSlots) {
    return sourceSlots.readersPerWorker(concurrency) + 1;
  }

  /** Heap needed at full concurrency: each running target buffers a row group, its parts and a fetch. */
  public static long memoryBudget(int concurrency, int fetchSize, long rowGroupBytes, long partBytes, int partsInFlight) {
    long perTarget =
        rowGroupBytes + (partsInFlight + 1) * partBytes + (fetchSize + PREFETCH_ROWS) * ROW_BYTES_ESTIMATE;
    return BASELINE_HEAP_BYTES + concurrency * perTarget;
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
