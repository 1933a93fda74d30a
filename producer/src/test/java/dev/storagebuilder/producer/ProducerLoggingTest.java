package dev.storagebuilder.producer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The producer's logging as registered with logback: its own line layout and quiet libraries. */
class ProducerLoggingTest {
  @Test
  void theRegisteredConfiguratorPrintsTheRequestsRunAndKeepsTheSdkQuiet() {
    Configurator configurator = ServiceLoader.load(Configurator.class).findFirst().orElseThrow();
    assertThat(configurator).isInstanceOf(ProducerLogging.class);
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    LogbackMDCAdapter mdc = new LogbackMDCAdapter();
    context.setMDCAdapter(mdc);
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      configurator.setContext(context);
      configurator.configure(context);
      mdc.put("run", "run-7");
      context.getLogger("dev.storagebuilder.producer.enqueue.RunEnqueuer").info("enqueued {}", 6);
      context.getLogger("software.amazon.awssdk.request").info("not shown");
    } finally {
      System.setOut(original);
      context.stop();
    }
    assertThat(captured.toString(StandardCharsets.UTF_8).lines().toList())
        .singleElement()
        .satisfies(line -> assertThat(line).endsWith(" INFO  [main] d.s.p.e.RunEnqueuer run-7   - enqueued 6"));
  }
}
