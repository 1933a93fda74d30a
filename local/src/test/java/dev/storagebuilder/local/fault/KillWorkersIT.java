package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ledger.TargetVersion;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL workers mid-target, again and again, during a run (with a 10 s visibility timeout so a
 * killed worker's messages come back quickly, and the lease heartbeat keeping long targets): the
 * run completes, every snapshot verifies, versions never go backwards, every manifest a version
 * record references exists.
 */
class KillWorkersIT {
  private static final int KILLS = 3;

  @TempDir Path stateDir;

  @Test
  void repeatedSigkillsMidTargetLoseNothingAndCorruptNothing() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"));
        TcpProxy proxy = TcpProxy.start("127.0.0.1", source.port())) {
      GenerationReport generated = source.load(new DemoDataGenerator(13, 0.004));
      proxy.throttle(10_000); // targets long enough to be killed in the middle
      FleetOptions options =
          new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrlVia(proxy.port())),
              Map.of("storage-builder.worker.receive-wait", "1s",
                  "storage-builder.worker.visibility-timeout", "10s",
                  "storage-builder.worker.retry-base-delay", "1s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
        int expectedTargets = generated.clientIds().size() * 6;

        int killed = 0;
        for (int round = 0; round < KILLS; round++) {
          int before = producer.run(runId).path("counts").path("succeeded").asInt();
          await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
              .until(() -> producer.run(runId).path("counts").path("succeeded").asInt() > before);
          FleetProcess victim = fleet.workers().stream().filter(FleetProcess::isAlive).findFirst().orElseThrow();
          victim.kill();
          killed++;
          fleet.addWorker();
        }
        proxy.throttle(0);

        JsonNode finished =
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));
        System.out.println("killed " + killed + " workers; finished: " + finished);

        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
        assertThat(GracefulShutdownIT.dlqDepth(aws, fleet)).isZero();

        DynamoVersionLedger versions = new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable());
        S3ObjectStore store = new S3ObjectStore(aws.s3(), fleet.aws().bucket());
        Set<String> objects = new HashSet<>(store.list(""));
        List<TargetVersion> all = versions.all();
        assertThat(all).hasSize(expectedTargets);
        for (TargetVersion current : all) {
          List<TargetVersion> history = versions.history(current.target());
          for (int i = 1; i < history.size(); i++) {
            assertThat(history.get(i).sequence()).as("versions never go backwards").isLessThan(history.get(i - 1).sequence());
          }
          assertThat(objects).as("referenced manifest exists").contains(current.manifestKey());
        }
        List<TargetVerification> verified =
            new SnapshotVerifier(source.localDataSource(), SourceConfigLoader.demo(source.jdbcUrl(), null, null), versions, store)
                .verifyAll(generated.clientIds());
        assertThat(verified).hasSize(expectedTargets).allSatisfy(r -> assertThat(r.problem()).isNull());
      }
    }
  }
}
