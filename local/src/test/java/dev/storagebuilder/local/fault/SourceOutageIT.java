package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.fleet.FleetJars;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source database unreachable for ~20 s in the middle of a run (a TCP proxy resets every
 * connection; the real database is untouched): the breakers open, the workers stop receiving,
 * nothing reaches the DLQ, and the run completes once the database is back.
 */
class SourceOutageIT {
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @TempDir Path stateDir;

  @Test
  void aTwentySecondSourceOutagePausesTheFleetAndDeadLettersNothing() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"));
        TcpProxy proxy = TcpProxy.start("127.0.0.1", source.port())) {
      GenerationReport generated = source.load(new DemoDataGenerator(11, 0.004));
      proxy.throttle(5_000); // stretch the run so the outage lands in its middle
      FleetOptions options =
          new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrlVia(proxy.port())),
              Map.of("storage-builder.worker.receive-wait", "1s",
                  "storage-builder.worker.retry-base-delay", "1s",
                  "storage-builder.worker.source-connection-timeout", "1s",
                  "storage-builder.worker.source-retry-attempts", "2",
                  "storage-builder.worker.source-retry-backoff", "200ms",
                  "storage-builder.worker.source-breaker-window", "4",
                  "storage-builder.worker.source-breaker-minimum-calls", "2",
                  "storage-builder.worker.source-breaker-open-wait", "3s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
        int expectedTargets = generated.clientIds().size() * 6;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> producer.run(runId).path("counts").path("succeeded").asInt() >= 1);

        proxy.cutOff();
        long outageStart = System.nanoTime();
        // A worker pauses once its own breaker has seen enough failed reads; an idle one may not.
        try {
          await().atMost(Duration.ofSeconds(20)).until(() -> anyLogContains(fleet, "pausing receive"));
        } finally {
          printBreakerLines(fleet);
        }
        assertThat(producer.run(runId).path("state").asText()).isEqualTo("running");
        await().atMost(OUTAGE.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
            .until(() -> System.nanoTime() - outageStart >= OUTAGE.toNanos());
        proxy.restore();
        proxy.throttle(0);
        long refused = proxy.refusedConnections();

        JsonNode finished =
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));

        printBreakerLines(fleet);
        System.out.println("finished: " + finished);
        assertThat(refused).as("the outage was real").isPositive();
        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
        assertThat(finished.path("counts").path("deadLettered").asInt()).isZero();
        assertThat(GracefulShutdownIT.dlqDepth(aws, fleet)).as("nothing dead-lettered").isZero();
        assertThat(anyLogContains(fleet, "resuming receive")).isTrue();
        DynamoVersionLedger versions = new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable());
        List<TargetVerification> verified =
            new SnapshotVerifier(source.localDataSource(), SourceConfigLoader.demo(source.jdbcUrl(), null, null), versions,
                new S3ObjectStore(aws.s3(), fleet.aws().bucket())).verifyAll(generated.clientIds());
        assertThat(verified).hasSize(expectedTargets).allSatisfy(r -> assertThat(r.problem()).isNull());
        System.out.printf("%d s from outage start to verified, %d connections refused, run %s%n",
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outageStart), refused, finished);
      }
    }
  }

  private static boolean anyLogContains(LocalFleet fleet, String text) throws Exception {
    for (FleetProcess worker : fleet.workers()) {
      if (Files.readString(worker.log()).contains(text)) {
        return true;
      }
    }
    return false;
  }

  private static void printBreakerLines(LocalFleet fleet) throws Exception {
    for (FleetProcess worker : fleet.workers()) {
      Files.readAllLines(worker.log()).stream()
          .filter(line -> line.contains("receive:") || line.contains("circuit breaker") || line.contains("postponing")
              || line.contains("WARN") || line.contains("ERROR"))
          .forEach(line -> System.out.println(worker.name() + " | " + line));
    }
  }
}
