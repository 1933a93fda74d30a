package dev.storagebuilder.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ElasticMqConfigTest {
  private final Config config = EmbeddedAwsStack.Builder.elasticMqConfig();

  @Test
  void pekkoKeepsHeadersRawSinceElasticMqReadsThemByName() {
    assertThat(config.getBoolean("pekko.http.server.parsing.modeled-header-parsing")).isFalse();
  }

  @Test
  void dispatcherThreadsFollowTheCoresFromTwoUpRatherThanPekkosFloorOfEight() {
    String executor = "pekko.actor.default-dispatcher.fork-join-executor.";
    assertThat(config.getInt(executor + "parallelism-min")).isEqualTo(2);
    assertThat(config.getDouble(executor + "parallelism-factor")).isEqualTo(1.0);
    assertThat(config.getInt(executor + "parallelism-max")).isEqualTo(8);
  }

  @Test
  void elasticMqsOwnSettingsStillApply() {
    // from ElasticMQ's application.conf: a 20 s long poll must not time out
    assertThat(config.getDuration("pekko.http.server.request-timeout"))
        .isEqualTo(Duration.ofSeconds(21));
    assertThat(config.getBoolean("pekko.http.server.parsing.illegal-header-warnings")).isFalse();
  }
}
