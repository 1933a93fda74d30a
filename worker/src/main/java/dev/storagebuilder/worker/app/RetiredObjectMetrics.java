package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.RetiredObjectDeletions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Retired snapshot objects the worker deleted after their grace, and the deletes that failed
 * ({@code storage_builder_worker_retired_objects_deleted_total},
 * {@code storage_builder_worker_retired_objects_delete_failures_total}). A failed delete is not
 * tried again by its commit: each one counted is an object left in S3 until the target's next sweep
 * (once in 32 sequences, or once it has been idle for the grace) retires it again, so a rising
 * count is storage waiting for sweeps.
 */
final class RetiredObjectMetrics implements RetiredObjectDeletions {
  private final Counter deleted;
  private final Counter failed;

  RetiredObjectMetrics(MeterRegistry registry) {
    deleted =
        Counter.builder("storage_builder.worker.retired.objects.deleted")
            .description("Snapshot objects no version references, deleted after their grace")
            .register(registry);
    failed =
        Counter.builder("storage_builder.worker.retired.objects.delete.failures")
            .description("Deletes of retired snapshot objects that failed; the objects stay in S3 until a sweep")
            .register(registry);
  }

  @Override
  public void deleted() {
    deleted.increment();
  }

  @Override
  public void failed() {
    failed.increment();
  }
}
