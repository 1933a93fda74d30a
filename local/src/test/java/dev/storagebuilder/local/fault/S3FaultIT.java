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
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 answering 503, then 500, then slowly, for a while in the middle of a run (a proxy in front of
 * S3Proxy, workers only): the run completes, every manifest referenced exists and verifies, and no
 * incomplete multipart upload is left behind.
 */
class S3FaultIT {
  @TempDir Path stateDir;

  @Test
  void s3ErrorsAndSlownessMidRunLeaveNoPartialObjectReferencedAndNoUploadOpen() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      GenerationReport generated = source.load(new DemoDataGenerator(23, 0.003));
      // The workers' S3 endpoint is fixed before the stack (and its S3 port) exists: reserve the
      // proxy's port first, bind it to S3Proxy once the fleet is up and before any work is sent.
      try (LateBoundProxy s3 = new LateBoundProxy()) {
        FleetOptions options =
            new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
                Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()),
                Map.of("storage-builder.worker.receive-wait", "1s",
                    "storage-builder.worker.retry-base-delay", "1s",
                    "storage-builder.aws.s3-endpoint", "http://127.0.0.1:" + s3.port()));
        try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
            AwsClients aws = new AwsClients(fleet.aws())) {
          URI real = fleet.aws().s3Endpoint();
          s3.bindTo(real.getHost(), real.getPort());
          ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
          String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
          int expectedTargets = generated.clientIds().size() * 6;
          await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
              .until(() -> producer.run(runId).path("counts").path("succeeded").asInt() >= 3);

          s3.proxy().failHttp(503);
          await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> true);
          s3.proxy().failHttp(500);
          await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> true);
          s3.proxy().restore();
          s3.proxy().throttle(50_000);
          await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> true);
          s3.proxy().throttle(0);
          long injected = s3.proxy().httpFailuresInjected();

          JsonNode finished =
              await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                  .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));
          System.out.println("S3 errors injected " + injected + "; finished: " + finished);

          assertThat(injected).as("faults were really injected").isPositive();
          assertThat(finished.path("state").asText()).isEqualTo("succeeded");
          assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
          assertThat(GracefulShutdownIT.dlqDepth(aws, fleet)).isZero();
          DynamoVersionLedger versions = new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable());
          S3ObjectStore store = new S3ObjectStore(aws.s3(), fleet.aws().bucket());
          Set<String> objects = new HashSet<>(store.list(""));
          for (TargetVersion version : versions.all()) {
            assertThat(objects).as("manifest of " + version.target()).contains(version.manifestKey());
          }
          List<TargetVerification> verified =
              new SnapshotVerifier(source.localDataSource(), SourceConfigLoader.demo(source.jdbcUrl(), null, null), versions, store)
                  .verifyAll(generated.clientIds());
          assertThat(verified).hasSize(expectedTargets).allSatisfy(r -> assertThat(r.problem()).isNull());
          assertThat(aws.s3().listMultipartUploads(b -> b.bucket(fleet.aws().bucket())).uploads())
              .as("incomplete multipart uploads aborted").isEmpty();
        }
      }
    }
  }

  /** A TcpProxy whose port exists before the server it forwards to is known. */
  private static final class LateBoundProxy implements AutoCloseable {
    private final java.net.ServerSocket reserved;
    private TcpProxy proxy;
    private final int port;

    LateBoundProxy() throws Exception {
      reserved = new java.net.ServerSocket(0);
      port = reserved.getLocalPort();
      reserved.close();
    }

    int port() {
      return port;
    }

    void bindTo(String host, int targetPort) {
      proxy = TcpProxy.start(host, targetPort, port);
    }

    TcpProxy proxy() {
      return proxy;
    }

    @Override
    public void close() {
      if (proxy != null) {
        proxy.close();
      }
    }
  }
}
