package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessingSettingsTest {
  @Test
  void retryDelayDoublesPerDeliveryUpToTheCap() {
    ProcessingSettings settings = new ProcessingSettings(5, Duration.ofSeconds(5), Duration.ofSeconds(30));
    assertThat(settings.retryDelay(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.retryDelay(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.retryDelay(3)).isEqualTo(Duration.ofSeconds(20));
    assertThat(settings.retryDelay(4)).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.retryDelay(60)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void rejectsACapBelowTheBase() {
    assertThatThrownBy(() -> new ProcessingSettings(5, Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .hasMessageContaining("worker.retry-base-delay");
  }
}
