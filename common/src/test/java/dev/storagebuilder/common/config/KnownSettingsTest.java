package dev.storagebuilder.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KnownSettingsTest {

  @Test
  void aMisspeltEnvironmentVariableIsRefusedWithTheSettingItProbablyMeant() {
    assertThatThrownBy(
            () -> KnownSettings.refuseUnknown(List.of("PATH", "STORAGE_BUILDER_WORKER_CONCURENCY"), Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "unknown setting STORAGE_BUILDER_WORKER_CONCURENCY, did you mean STORAGE_BUILDER_WORKER_CONCURRENCY?");
  }

  @Test
  void aMisspeltPropertyIsRefusedAndEveryUnknownKeyIsNamed() {
    assertThatThrownBy(
            () -> KnownSettings.refuseUnknown(
                List.of("storage-builder.aws.buckett", "storage-builder.worker.visibility", "storage-builder.enqueue.concurrency"),
                Set.of()))
        .hasMessageStartingWith(
            "unknown settings: storage-builder.aws.buckett, did you mean storage-builder.aws.bucket?;"
                + " storage-builder.worker.visibility (");
  }

  /** Only names under aws, source, worker, enqueue and dlq were checked: a misspelt namespace slipped through. */
  @Test
  void aMisspeltNamespaceIsRefusedToo() {
    assertThatThrownBy(() -> KnownSettings.refuseUnknown(List.of("STORAGE_BUILDER_WORKERS_CONCURRENCY"), Set.of()))
        .hasMessageStartingWith(
            "unknown setting STORAGE_BUILDER_WORKERS_CONCURRENCY, did you mean STORAGE_BUILDER_WORKER_CONCURRENCY?");
    assertThatThrownBy(() -> KnownSettings.refuseUnknown(List.of("storage-builder.api-token"), Set.of()))
        .hasMessageStartingWith("unknown setting storage-builder.api-token, did you mean storage-builder.api-tokens?");
  }

  @Test
  void everyKnownSettingIsAcceptedInBothSpellings() {
    for (String property : KnownSettings.ALL) {
      KnownSettings.refuseUnknown(List.of(property, KnownSettings.environmentVariable(property)), Set.of());
    }
    KnownSettings.refuseUnknown(List.of("storage-builder.worker.maxReceiveCount"), Set.of());
    assertThat(KnownSettings.ALL).contains("storage-builder.worker.dynamodb-breaker-open-wait");
  }

  @Test
  void ourOtherNamesOthersNamesAndExemptOnesAreLeftAlone() {
    KnownSettings.refuseUnknown(
        List.of("STORAGE_BUILDER_LOG_FORMAT", "STORAGE_BUILDER_TOKEN", "storage-builder.parent-pid",
            "STORAGE_BUILDER_PORT_FILE",
            "STORAGE_BUILDER_API_TOKENS", "STORAGE_BUILDER_CLOUDWATCH_METRICS", "STORAGE_BUILDER_METRICS_NAMESPACE",
            "STORAGE_BUILDER_SOURCE_DB_PASSWORD", "micronaut.server.port", "STORAGE_BUILDER", "PATH"),
        Set.of("STORAGE_BUILDER_SOURCE_DB_PASSWORD"));
    assertThatThrownBy(() -> KnownSettings.refuseUnknown(List.of("STORAGE_BUILDER_SOURCE_DB_PASSWORD"), Set.of()))
        .hasMessageStartingWith("unknown setting STORAGE_BUILDER_SOURCE_DB_PASSWORD");
  }

  @Test
  void theCloudWatchSwitchIsTrueOrFalseAndNothingMicronautWouldReadAsFalse() {
    for (String value : List.of("true", "FALSE", " true ")) {
      KnownSettings.requireCloudWatchSwitch(Optional.of(value));
    }
    KnownSettings.requireCloudWatchSwitch(Optional.empty());
    for (String value : List.of("1", "ture", "enabled")) {
      assertThatThrownBy(() -> KnownSettings.requireCloudWatchSwitch(Optional.of(value))).as(value)
          .hasMessage("STORAGE_BUILDER_CLOUDWATCH_METRICS (micronaut.metrics.export.cloudwatch.enabled) must be true or"
              + " false, got '" + value + "'");
    }
  }

  @Test
  void theEnvironmentVariableIsMicronautsMappingOfTheProperty() {
    assertThat(KnownSettings.describe("storage-builder.worker.source-concurrency-cap"))
        .isEqualTo("storage-builder.worker.source-concurrency-cap (STORAGE_BUILDER_WORKER_SOURCE_CONCURRENCY_CAP)");
  }
}
