package dev.storagebuilder.local.fleet;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run the fleet on one machine.
 *
 * @param stateDir where S3 objects, DynamoDB tables and process logs live; reused across runs
 * @param workers worker processes to start
 * @param workerConcurrency targets each worker runs at once
 * @param workerHeapMb each worker's -Xmx
 * @param sourceProperties {@code storage-builder.source.*} properties handed to producer and workers
 * @param extraWorkerProperties any other properties for the workers (tests shorten timeouts here)
 * @param workerClassDataArchive the class-data archive the workers map or write; empty: the one
 *     beside the worker jar, shared with every other fleet (the bench keeps its own, so that an
 *     archive a test suite's workers wrote does not decide the start-up it measures)
 */
public record FleetOptions(
    Path stateDir,
    int workers,
    int workerConcurrency,
    int workerHeapMb,
    Map<String, String> sourceProperties,
    Map<String, String> extraWorkerProperties,
    Optional<Path> workerClassDataArchive) {
  public static final int DEFAULT_WORKERS = 2;
  public static final int DEFAULT_WORKER_CONCURRENCY = 2;
  public static final int DEFAULT_WORKER_HEAP_MB = 128;
  /**
   * A worker refuses a heap its largest target and baseline do not fit: 79 MiB with the default
   * buffers (WorkerSettings; FleetOptionsTest follows it). 64 passed here, and every worker refused.
   */
  public static final int MIN_WORKER_HEAP_MB = 80;

  public FleetOptions {
    Objects.requireNonNull(stateDir, "stateDir");
    if (workers < 0 || workers > 32) {
      throw new IllegalArgumentException("--workers must be 0..32, got " + workers);
    }
    if (workerConcurrency < 1 || workerConcurrency > 64) {
      throw new IllegalArgumentException("--worker-concurrency must be 1..64, got " + workerConcurrency);
    }
    if (workerHeapMb < MIN_WORKER_HEAP_MB) {
      throw new IllegalArgumentException(
          "--worker-heap-mb must be >= " + MIN_WORKER_HEAP_MB + " (a worker with the default buffers needs 79 MiB), got "
              + workerHeapMb);
    }
    sourceProperties = Map.copyOf(sourceProperties);
    extraWorkerProperties = Map.copyOf(extraWorkerProperties);
    Objects.requireNonNull(workerClassDataArchive, "workerClassDataArchive");
  }

  /** Workers that share the archive beside the worker jar. */
  public FleetOptions(
      Path stateDir,
      int workers,
      int workerConcurrency,
      int workerHeapMb,
      Map<String, String> sourceProperties,
      Map<String, String> extraWorkerProperties) {
    this(stateDir, workers, workerConcurrency, workerHeapMb, sourceProperties, extraWorkerProperties, Optional.empty());
  }
}
