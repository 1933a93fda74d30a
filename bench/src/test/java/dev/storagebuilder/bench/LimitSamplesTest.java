package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.bench.CpuAccount.Role;
import dev.storagebuilder.bench.CpuAccount.Use;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitSamplesTest {
  private static Use cpu(double postgres) {
    return new Use(Map.of(Role.POSTGRES, postgres));
  }

  @Test
  void theLimitIsTheFastestRunOfEitherPlanWithThatRunsCpu() {
    LimitSamples samples = new LimitSamples();
    assertThat(samples.isEmpty()).isTrue();

    samples.add(false, 1.46, cpu(1.7));
    samples.add(true, 0.90, cpu(0.8));
    samples.add(false, 1.40, cpu(1.6)); // the default plan's best, not the fastest run
    samples.add(true, 0.81, cpu(0.77));
    samples.add(true, 0.95, cpu(0.9)); // a later, slower run of the fastest plan

    assertThat(samples.isEmpty()).isFalse();
    assertThat(samples.fastestSeconds()).isEqualTo(0.81);
    assertThat(samples.fastestCpu().of(Role.POSTGRES)).isEqualTo(0.77);
    assertThat(samples.describe())
        .isEqualTo("default plan 1.40 s (best of 2), enable_seqscan=off (the worker's) 0.81 s (best of 3)");
  }

  @Test
  void aPlanNotRunYetSaysSo() {
    LimitSamples samples = new LimitSamples();

    samples.add(false, 0.65, cpu(0.6));

    assertThat(samples.fastestSeconds()).isEqualTo(0.65);
    assertThat(samples.describe()).isEqualTo("default plan 0.65 s (best of 1), enable_seqscan=off (the worker's) not run");
  }
}
