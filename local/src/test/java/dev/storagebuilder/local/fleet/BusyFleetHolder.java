package dev.storagebuilder.local.fleet;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A CLI in the middle of a run, in a JVM of its own that a test can signal: one worker reads a
 * throttled source (so its targets are in flight for a long time) and drains for at most 6 s on
 * SIGTERM. Writes the run id to the file given once the run started, then waits.
 */
final class BusyFleetHolder {
  private BusyFleetHolder() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Path.of(args[0]);
    Path started = Path.of(args[1]);
    DemoSource source = DemoSource.start(stateDir.resolve("source"));
    source.load(new DemoDataGenerator(7, 0.004));
    TcpProxy proxy = TcpProxy.start("127.0.0.1", source.port());
    proxy.throttle(1_000);
    FleetOptions options =
        new FleetOptions(stateDir, 1, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
            Map.of("storage-builder.source.jdbc-url", source.jdbcUrlVia(proxy.port())),
            Map.of("storage-builder.worker.receive-wait", "1s",
                "storage-builder.worker.shutdown-grace", "6s",
                "storage-builder.worker.shutdown-release-margin", "3s"));
    LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
    ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
    String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
    Files.writeString(started, runId);
    Thread.currentThread().join();
  }
}
