package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.storagebuilder.local.client.ProducerClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The live progress line of {@code ./sb demo} and {@code ./sb sync}. */
class ProgressTest {
  private static final String RUNNING =
      "{\"runId\":\"r-1\",\"state\":\"running\",\"total\":10,"
          + "\"counts\":{\"succeeded\":3,\"failed\":0,\"deadLettered\":0},\"rows\":300,\"bytes\":3000}";

  private HttpServer producer;

  @BeforeEach
  void startProducerStub() throws Exception {
    producer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    producer.createContext(
        "/api/runs/r-1",
        exchange -> {
          byte[] body = RUNNING.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    producer.start();
  }

  @AfterEach
  void stopProducerStub() {
    producer.stop(0);
  }

  @Test
  void onATerminalAFollowThatFailsEndsItsProgressLineSoTheErrorStartsOnItsOwn() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    Progress progress = new Progress(out, true);
    ProducerClient client =
        new ProducerClient(URI.create("http://127.0.0.1:" + producer.getAddress().getPort()), null);

    assertThatThrownBy(
            () ->
                progress.follow(
                    client,
                    "r-1",
                    System.nanoTime(),
                    Duration.ofMillis(1),
                    Duration.ofMinutes(1),
                    () -> {
                      throw new IllegalStateException("every worker exited");
                    }))
        .hasMessage("every worker exited");

    // the line is redrawn in place ("\r...\e[K"); left open, the demo's "state and logs kept in"
    // and the CLI's "sb: every worker exited" were printed at the end of the progress bar
    String output = printed.toString(StandardCharsets.UTF_8);
    assertThat(output).contains("3/10 targets").endsWith("\u001b[K" + System.lineSeparator());
  }
}
