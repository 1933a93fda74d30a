package dev.storagebuilder.producer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.Configurator;
import dev.storagebuilder.common.logging.PrintedLines;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The producer's logging as registered with logback: its own line layout and quiet libraries. */
class ProducerLoggingTest {
  @Test
  void theRegisteredConfiguratorPrintsTheRequestsRunAndKeepsTheSdkQuiet() {
    Configurator configurator = ServiceLoader.load(Configurator.class).findFirst().orElseThrow();
    assertThat(configurator).isInstanceOf(ProducerLogging.class);
    PrintedLines printed = PrintedLines.by(configurator, context -> {
      context.getMDCAdapter().put("run", "run-7");
      context.getLogger("dev.storagebuilder.producer.enqueue.RunEnqueuer").info("enqueued {}", 6);
      context.getLogger("software.amazon.awssdk.request").info("not shown");
    });
    assertThat(printed.lines())
        .singleElement()
        .satisfies(line -> assertThat(line).endsWith(" INFO  [main] d.s.p.e.RunEnqueuer run-7   - enqueued 6"));
  }
}
