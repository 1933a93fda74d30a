package dev.storagebuilder.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;

class ConfigurationRefusalTest {

  @Test
  void theRefusalIsTheOutermostRefusedSettingOnOneLineWithEverySettingSpelledOut() {
    Exception failure =
        new RuntimeException(
            "Error instantiating bean\n\nMessage: ...",
            new IllegalStateException(
                "wrapped",
                new SettingRefusedException(
                    "worker.pool-size must be >= worker.concurrency (4),\n got 2; see /etc/sb/source.json")));

    assertThat(ConfigurationRefusal.message(failure))
        .contains(
            "storage-builder.worker.pool-size (STORAGE_BUILDER_WORKER_POOL_SIZE) must be >= storage-builder.worker.concurrency"
                + " (STORAGE_BUILDER_WORKER_CONCURRENCY) (4), got 2; see /etc/sb/source.json");
  }

  @Test
  void aFullNameGainsItsVariableOnceAndUnknownNamesStayAsWritten() {
    assertThat(ConfigurationRefusal.message(new SettingRefusedException(
            "storage-builder.enqueue.concurrency must be 1..64, got 0 (aws.nothing, storage-builder.aws.*)")))
        .contains("storage-builder.enqueue.concurrency (STORAGE_BUILDER_ENQUEUE_CONCURRENCY) must be 1..64, got 0"
            + " (aws.nothing, storage-builder.aws.*)");
    assertThat(ConfigurationRefusal.message(new SettingRefusedException(
            "storage-builder.dlq.scan-wait (STORAGE_BUILDER_DLQ_SCAN_WAIT) must be whole seconds")))
        .contains("storage-builder.dlq.scan-wait (STORAGE_BUILDER_DLQ_SCAN_WAIT) must be whole seconds");
  }

  @Test
  void aSettingThatEndsARangeIsSpelledOutToo() {
    assertThat(ConfigurationRefusal.message(new SettingRefusedException(
            "worker.s3-breaker-minimum-calls must be 1..worker.s3-breaker-window, got 11 / 10 (x.worker.id)")))
        .contains("storage-builder.worker.s3-breaker-minimum-calls (STORAGE_BUILDER_WORKER_S3_BREAKER_MINIMUM_CALLS) must be"
            + " 1..storage-builder.worker.s3-breaker-window (STORAGE_BUILDER_WORKER_S3_BREAKER_WINDOW), got 11 / 10 (x.worker.id)");
  }

  @Test
  void aFailureThatIsNoRefusalKeepsItsStackTrace() {
    assertThat(ConfigurationRefusal.message(new IllegalStateException("bug", new NullPointerException()))).isEmpty();
  }

  /** A library's or our own bug at start-up is no bad setting, even when it names one. */
  @Test
  void anIllegalArgumentThatNoSettingsReadThrewIsNoRefusal() {
    Exception failure = new RuntimeException("Error instantiating bean",
        new IllegalArgumentException("worker.concurrency must be 1..64, got 0"));

    assertThat(ConfigurationRefusal.message(failure)).isEmpty();
  }

  @Test
  void anIllegalArgumentWhileReadingSettingsIsARefusalWithItsMessage() {
    Throwable refused = catchThrowable(() -> ConfigurationRefusal.readingSettings(() -> {
      throw new IllegalArgumentException("worker.concurrency must be 1..64, got 0");
    }));

    assertThat(refused).isInstanceOf(SettingRefusedException.class).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(ConfigurationRefusal.message(new RuntimeException("Error instantiating bean", refused)))
        .contains("storage-builder.worker.concurrency (STORAGE_BUILDER_WORKER_CONCURRENCY) must be 1..64, got 0");
    assertThat(ConfigurationRefusal.readingSettings(() -> 4)).isEqualTo(4);
  }

  /** Any other failure while reading settings (an unreadable source file, a bug) keeps its type and trace. */
  @Test
  void anotherFailureWhileReadingSettingsIsNoRefusal() {
    IllegalStateException bug = new IllegalStateException("bug");

    assertThat(catchThrowable(() -> ConfigurationRefusal.readingSettings(() -> {
      throw bug;
    }))).isSameAs(bug);
  }
}
