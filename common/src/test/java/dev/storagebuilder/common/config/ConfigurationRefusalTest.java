package dev.storagebuilder.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigurationRefusalTest {

  @Test
  void theRefusalIsTheOutermostIllegalArgumentOnOneLineWithEverySettingSpelledOut() {
    Exception failure =
        new RuntimeException(
            "Error instantiating bean\n\nMessage: ...",
            new IllegalStateException(
                "wrapped",
                new IllegalArgumentException(
                    "worker.pool-size must be >= worker.concurrency (4),\n got 2; see /etc/sb/source.json")));

    assertThat(ConfigurationRefusal.message(failure))
        .contains(
            "storage-builder.worker.pool-size (STORAGE_BUILDER_WORKER_POOL_SIZE) must be >= storage-builder.worker.concurrency"
                + " (STORAGE_BUILDER_WORKER_CONCURRENCY) (4), got 2; see /etc/sb/source.json");
  }

  @Test
  void aFullNameGainsItsVariableOnceAndUnknownNamesStayAsWritten() {
    assertThat(ConfigurationRefusal.message(new IllegalArgumentException(
            "storage-builder.enqueue.concurrency must be 1..64, got 0 (aws.nothing, storage-builder.aws.*)")))
        .contains("storage-builder.enqueue.concurrency (STORAGE_BUILDER_ENQUEUE_CONCURRENCY) must be 1..64, got 0"
            + " (aws.nothing, storage-builder.aws.*)");
    assertThat(ConfigurationRefusal.message(new IllegalArgumentException(
            "storage-builder.dlq.scan-wait (STORAGE_BUILDER_DLQ_SCAN_WAIT) must be whole seconds")))
        .contains("storage-builder.dlq.scan-wait (STORAGE_BUILDER_DLQ_SCAN_WAIT) must be whole seconds");
  }

  @Test
  void aSettingThatEndsARangeIsSpelledOutToo() {
    assertThat(ConfigurationRefusal.message(new IllegalArgumentException(
            "worker.s3-breaker-minimum-calls must be 1..worker.s3-breaker-window, got 11 / 10 (x.worker.id)")))
        .contains("storage-builder.worker.s3-breaker-minimum-calls (STORAGE_BUILDER_WORKER_S3_BREAKER_MINIMUM_CALLS) must be"
            + " 1..storage-builder.worker.s3-breaker-window (STORAGE_BUILDER_WORKER_S3_BREAKER_WINDOW), got 11 / 10 (x.worker.id)");
  }

  @Test
  void aFailureThatIsNoRefusalKeepsItsStackTrace() {
    assertThat(ConfigurationRefusal.message(new IllegalStateException("bug", new NullPointerException()))).isEmpty();
  }
}
