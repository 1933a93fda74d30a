package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker process (its shaded jar) on the embedded stack: after it has processed a few targets and a
 * poison message, its /prometheus shows the worker, pool and JVM meters, and its readiness is UP
 * only while every dependency answers.
 */
class WorkerObservabilityIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void metricsAreExportedAfterWorkAndReadinessFollowsTheDependencies() throws Exception {
    try (EmbeddedAwsStack stack = EmbeddedAwsStack.builder().stateDir(dir.resolve("aws")).start();
        DemoSource source = DemoSource.start(dir.resolve("source"))) {
      AwsSettings aws = LocalFleet.settingsFor(stack);
      List<String> clients;
      clients = source.load(new DemoDataGenerator(3, 0.002)).clientIds();
      String queueUrl;
      try (AwsClients clientsOfTest = new AwsClients(aws)) {
        queueUrl =
            QueueProvisioner.ensureQueues(clientsOfTest.sqs(), aws.queueName(), aws.dlqName(), 3, 30)
                .queueUrl();
        LedgerTables.ensure(clientsOfTest.dynamo(), aws);
        new S3ObjectStore(clientsOfTest.s3(), aws.bucket()).ensureBucket();
        for (String kind : List.of("entities", "formulas")) {
          String body =
              TargetMessageCodec.encode(
                  TargetMessage.of("run-metrics", new TargetRef(clients.get(0), kind), SyncMode.FULL,
                      Instant.now()));
          clientsOfTest.sqs().sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
        }
        clientsOfTest.sqs().sendMessage(b -> b.queueUrl(queueUrl).messageBody("{not json"));
      }

      Map<String, String> properties = new HashMap<>(LocalFleet.awsProperties(aws));
      int port = LocalFleet.freePort();
      properties.put("micronaut.server.port", String.valueOf(port));
      properties.put("storage-builder.source.jdbc-url", source.jdbcUrl());
      properties.put("storage-builder.worker.receive-wait", "1s");
      properties.put("storage-builder.worker.id", "worker-metrics");
      // Within the queue's redrive policy above (3), which the worker checks at start.
      properties.put("storage-builder.worker.max-receive-count", "3");
      FleetProcess worker =
          new FleetProcess("worker-metrics", FleetJars.worker(FleetJars.home()), 128, FleetProcess.WORKER_COLLECTOR,
              FleetProcess.WORKER_COMPILER,
              properties, dir.resolve("logs"));
      worker.start();
      try {
        String base = "http://127.0.0.1:" + port;
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250))
            .ignoreExceptions()
            .until(
                () -> {
                  // All three messages finished: two targets done and the poison one rejected. The
                  // targets' own figures follow the run ledger's write, which is batched on a thread
                  // of its own and may land after the message's outcome is counted.
                  String scraped = get(base + "/prometheus").body();
                  return scraped.contains("storage_builder_worker_messages_processed_total{outcome=\"done\"} 2.0")
                      && scraped.contains("storage_builder_worker_messages_processed_total{outcome=\"rejected\"} 1.0")
                      && scraped.contains("storage_builder_worker_target_duration_seconds_count 2");
                });

        String metrics = get(base + "/prometheus").body();
        assertThat(metrics)
            .contains("storage_builder_worker_messages_received_total 3.0")
            .contains("storage_builder_worker_messages_processed_total{outcome=\"rejected\"} 1.0")
            .contains("storage_builder_worker_messages_failed_total{outcome=\"rejected\"")
            .contains("storage_builder_worker_message_duration_seconds_count{outcome=\"done\"} 2")
            .contains("storage_builder_worker_target_duration_seconds_count 2")
            .contains("storage_builder_worker_target_rows_count 2")
            .contains("storage_builder_worker_bytes_uploaded_bytes_total")
            .contains("storage_builder_worker_targets_inflight 0.0")
            .contains("hikaricp_connections_active{pool=\"source\"}")
            .containsPattern("resilience4j_circuitbreaker_state\\{.*name=\"s3\",state=\"closed\".*} 1.0")
            .containsPattern("resilience4j_circuitbreaker_state\\{.*name=\"dynamodb\",state=\"closed\".*} 1.0")
            .contains("jvm_memory_used_bytes");
        assertThat(metrics).doesNotContain("storage_builder_worker_bytes_uploaded_bytes_total 0.0");

        HttpResponse<String> ready = get(base + "/health/readiness");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"sqs\"").contains("\"source\"").contains("UP");
        HttpResponse<String> live = get(base + "/health/liveness");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        assertThat(live.body()).contains("receive-loop");

        stack.close(); // every AWS dependency goes away
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> get(base + "/health/readiness").statusCode() == 503);
        HttpResponse<String> down = get(base + "/health/readiness");
        assertThat(down.body()).contains("DOWN");
        assertThat(get(base + "/health/liveness").statusCode()).isEqualTo(200);
      } finally {
        worker.stop(10);
      }
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
