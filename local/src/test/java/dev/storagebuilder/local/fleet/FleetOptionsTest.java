package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.worker.config.WorkerSettings;
import dev.storagebuilder.worker.config.WorkerSettingsProperties;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetOptionsTest {
  private static final Path STATE = Path.of("target", "fleet-options-test");

  /**
   * 64..78 MiB passed here and every worker of the fleet then refused to start (a target with the
   * default buffers and the baseline need 79 MiB), leaving a fleet without workers.
   */
  @Test
  void aWorkerHeapNoWorkerCanStartWithIsRefused() {
    assertThatThrownBy(() -> new FleetOptions(STATE, 1, 1, 64, Map.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--worker-heap-mb must be >= " + FleetOptions.MIN_WORKER_HEAP_MB
            + " (a worker with the default buffers needs 79 MiB), got 64");
    assertThat(new FleetOptions(STATE, 1, 1, FleetOptions.MIN_WORKER_HEAP_MB, Map.of(), Map.of()).workerHeapMb())
        .isEqualTo(FleetOptions.MIN_WORKER_HEAP_MB);
  }

  /** The bound follows the worker's own start-up check, so it cannot drift from it unnoticed. */
  @Test
  void theSmallestWorkerHeapFitsAWorkerWithTheDefaultBuffers() {
    Map<String, String> properties = Map.of(
        "storage-builder.source.jdbc-url", "jdbc:h2:mem:fleet-options",
        "storage-builder.aws.sqs-endpoint", "http://127.0.0.1:9324",
        "storage-builder.aws.access-key", "x",
        "storage-builder.aws.secret-key", "y");
    WorkerSettings settings =
        WorkerSettingsProperties.from(
            name -> Optional.ofNullable(properties.get(name)), Map.of(), (long) FleetOptions.MIN_WORKER_HEAP_MB << 20, "w");

    assertThat(settings.targetMemory().capacityBytes()).isGreaterThan(0);
    assertThatThrownBy(
            () -> WorkerSettingsProperties.from(
                name -> Optional.ofNullable(properties.get(name)), Map.of(), (long) (FleetOptions.MIN_WORKER_HEAP_MB - 2) << 20,
                "w"))
        .hasMessageStartingWith("worker memory budget does not fit");
  }
}
