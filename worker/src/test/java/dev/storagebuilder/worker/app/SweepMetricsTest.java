package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class SweepMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final SweepMetrics metrics = new SweepMetrics(registry);

  @Test
  void sweepsFailedListingsAndSweptObjectsAreScrapedUnderTheDocumentedNames() {
    metrics.listed();
    metrics.listed();
    metrics.listingFailed();
    metrics.retired(1000);
    metrics.retired(7);

    String scrape = registry.scrape();

    assertThat(scrape).contains("storage_builder_worker_sweeps_total 3.0")
        .contains("storage_builder_worker_sweep_failures_total 1.0")
        .contains("storage_builder_worker_swept_objects_total 1007.0");
  }
}
