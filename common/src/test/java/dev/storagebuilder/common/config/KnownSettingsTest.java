package dev.storagebuilder.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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

  @Test
  void everyKnownSettingIsAcceptedInBothSpellings() {
    for (String property : KnownSettings.ALL) {
      KnownSettings.refuseUnknown(List.of(property, KnownSettings.environmentVariable(property)), Set.of());
    }
    KnownSettings.refuseUnknown(List.of("storage-builder.worker.maxReceiveCount"), Set.of());
    assertThat(KnownSettings.ALL).contains("storage-builder.worker.dynamodb-breaker-open-wait");
  }

  @Test
  void namesOutsideTheSettingsNamespacesAndExemptOnesAreLeftAlone() {
    KnownSettings.refuseUnknown(
        List.of("STORAGE_BUILDER_LOG_FORMAT", "STORAGE_BUILDER_TOKEN", "storage-builder.parent-pid",
            "STORAGE_BUILDER_SOURCE_DB_PASSWORD", "micronaut.server.port"),
        Set.of("STORAGE_BUILDER_SOURCE_DB_PASSWORD"));
    assertThatThrownBy(() -> KnownSettings.refuseUnknown(List.of("STORAGE_BUILDER_SOURCE_DB_PASSWORD"), Set.of()))
        .hasMessageStartingWith("unknown setting STORAGE_BUILDER_SOURCE_DB_PASSWORD");
  }

  @Test
  void theEnvironmentVariableIsMicronautsMappingOfTheProperty() {
    assertThat(KnownSettings.describe("storage-builder.worker.source-concurrency-cap"))
        .isEqualTo("storage-builder.worker.source-concurrency-cap (STORAGE_BUILDER_WORKER_SOURCE_CONCURRENCY_CAP)");
  }
}
