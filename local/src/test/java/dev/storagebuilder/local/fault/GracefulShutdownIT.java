package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.fleet.FleetJars;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * SIGTERM a worker mid-run: it stops receiving, finishes or releases what it holds before its
 * grace runs out and exits 0; the run completes on another worker long before the 120 s visibility
 * timeout a lost message would wait, with nothing dead-lettered and nothing committed twice.
 */
class GracefulShutdownIT {
  private static final Pattern RELEASED = Pattern.compile("released (\\d+) running targets");

  @TempDir Path stateDir;

  @Test
  void sigtermFinishesOrReleasesInFlightTargetsAndLosesNothing() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"));
        TcpProxy proxy = TcpProxy.start("127.0.0.1", source.port())) {
      GenerationReport generated = source.load(new DemoDataGenerator(7, 0.004));
      // Slow reads: even the smallest target (a few KB over the wire, with the queries) takes longer
      // than the release deadline, whichever targets the queue hands out first (a standard queue
      // does not keep the producer's order).
      proxy.throttle(1_000);
      FleetOptions options =
          new FleetOptions(stateDir, 1, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrlVia(proxy.port())),
              Map.of("storage-builder.worker.receive-wait", "1s",
                  "storage-builder.worker.shutdown-grace", "6s",
                  "storage-builder.worker.shutdown-release-margin", "3s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
        int expectedTargets = generated.clientIds().size() * 6;
        FleetProcess first = fleet.workers().get(0);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(first.log()).contains("target start"));

        long stopping = System.nanoTime();
        first.stop(30);
        Duration stopTook = Duration.ofNanos(System.nanoTime() - stopping);

        String log = Files.readString(first.log());
        assertThat(first.exitCode()).as("a SIGTERMed worker exits 0").isZero();
        assertThat(stopTook).as("stopped within the grace (plus JVM exit)").isLessThan(Duration.ofSeconds(10));
        Matcher released = RELEASED.matcher(log);
        assertThat(released.find()).as("worker log:\n" + log).isTrue();
        assertThat(Integer.parseInt(released.group(1))).as("targets released at the grace deadline").isPositive();

        proxy.throttle(0);
        fleet.addWorker();
        JsonNode finished =
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));

        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
        assertThat(finished.path("rows").asLong()).isEqualTo(generated.totalRows());
        assertThat(dlqDepth(aws, fleet)).isZero();
        assertThat(new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable()).all())
            .hasSize(expectedTargets)
            .allSatisfy(v -> assertThat(v.sequence()).as("committed once").isEqualTo(1));
      }
    }
  }

  static int dlqDepth(AwsClients aws, LocalFleet fleet) {
    Map<QueueAttributeName, String> attributes =
        aws.sqs().getQueueAttributes(b -> b.queueUrl(fleet.queues().dlqUrl())
            .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
    return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }
}
