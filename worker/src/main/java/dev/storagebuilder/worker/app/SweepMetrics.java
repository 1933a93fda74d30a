package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.OrphanSweeps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sweeps of targets' leftover objects ({@code storage_builder_worker_sweeps_total}, failed listings
 * among them {@code storage_builder_worker_sweep_failures_total}) and the leftovers committed
 * sweeps listed as retired ({@code storage_builder_worker_swept_objects_total}), which the first
 * commit after the grace deletes (counted in {@code storage_builder_worker_retired_objects_deleted_total}).
 * A target with years of leftovers shows as swept objects rising about 1,000 a grace; failures that
 * keep rising are a role without s3:ListBucket or S3 refusing LIST.
 */
final class SweepMetrics implements OrphanSweeps {
  private final Counter sweeps;
  private final Counter failures;
  private final Counter retired;

  SweepMetrics(MeterRegistry registry) {
    sweeps =
        Counter.builder("storage_builder.worker.sweeps")
            .description("Listings of a target's prefix for objects no manifest retires, failed ones included")
            .register(registry);
    failures =
        Counter.builder("storage_builder.worker.sweep.failures")
            .description("Sweeps whose listing failed; the build went on without them")
            .register(registry);
    retired =
        Counter.builder("storage_builder.worker.swept.objects")
            .description("Leftover snapshot objects a committed sweep listed as retired, deleted after the grace")
            .register(registry);
  }

  @Override
  public void listed() {
    sweeps.increment();
  }

  @Override
  public void listingFailed() {
    sweeps.increment();
    failures.increment();
  }

  @Override
  public void retired(int objects) {
    retired.increment(objects);
  }
}
