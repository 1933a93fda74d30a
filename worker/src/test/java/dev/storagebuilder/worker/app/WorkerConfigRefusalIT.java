package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.testing.ConfiguredJvm;
import dev.storagebuilder.common.testing.ConfiguredJvm.Result;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when the worker refuses its configuration: a worker JVM started as in a
 * container, with its settings in the environment.
 */
class WorkerConfigRefusalIT {
  @TempDir Path dir;

  @Test
  void aValueOutOfRangeStopsTheWorkerWithOneLineNamingTheSettingBothWays() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_WORKER_CONCURRENCY", "0"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: storage-builder.worker.concurrency"
            + " (STORAGE_BUILDER_WORKER_CONCURRENCY) must be 1..64, got 0");
    assertThat(result.output()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aMisspeltSettingStopsTheWorkerInsteadOfBeingIgnored() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_WORKER_CONCURENCY", "4"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: unknown setting STORAGE_BUILDER_WORKER_CONCURENCY,"
            + " did you mean STORAGE_BUILDER_WORKER_CONCURRENCY?");
  }

  /** Micronaut reads "1" or "ture" as false: CloudWatch metrics stayed off while the operator had turned them on. */
  @Test
  void aCloudWatchSwitchThatIsNeitherTrueNorFalseStopsTheWorker() throws Exception {
    Result result = start(Map.of("STORAGE_BUILDER_CLOUDWATCH_METRICS", "1"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: STORAGE_BUILDER_CLOUDWATCH_METRICS"
            + " (micronaut.metrics.export.cloudwatch.enabled) must be true or false, got '1'");
  }

  /** Micronaut reads a port that is no number as absent: the worker listened on 8081 instead. */
  @Test
  void aHealthPortThatIsNoPortStopsTheWorker() throws Exception {
    Result result = start(Map.of("MICRONAUT_SERVER_PORT", "8o81"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: micronaut.server.port (MICRONAUT_SERVER_PORT), the port of"
            + " /health and /prometheus, must be 0..65535, got '8o81'");
  }

  /** Micrometer refused it deep in Micronaut's bean injection: a 60-line stack trace. */
  @Test
  void aMetricsPropertyMicrometerRefusesStopsTheWorker() throws Exception {
    Result result = start(Map.of("MICRONAUT_METRICS_EXPORT_PROMETHEUS_STEP", "often"));

    assertThat(result.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
    assertThat(result.errorLines())
        .singleElement()
        .asString()
        .contains("worker refused its configuration: prometheus.step was 'often' but it must be a valid duration"
            + " value (properties micronaut.metrics.export.*)");
    assertThat(result.output()).doesNotContain("\tat ");
  }

  /**
   * The queue's redrive policy is read once the worker reaches SQS: with maxReceiveCount 3 a worker
   * set to 5 deliveries never saw its 4th and 5th, SQS moved the message to the DLQ without a reason.
   * The same worker set to 3 starts and receives.
   */
  @Test
  void aMaxReceiveCountAboveTheQueuesRedrivePolicyStopsTheWorker() throws Exception {
    try (EmbeddedAwsStack stack = EmbeddedAwsStack.builder().start()) {
      AwsSettings aws = EmbeddedAws.settings(stack, "refusal");
      try (AwsClients clients = new AwsClients(aws)) {
        QueueProvisioner.ensureQueues(clients.sqs(), aws.queueName(), aws.dlqName(), 3, 60);
        LedgerTables.ensure(clients.dynamo(), aws);
        clients.s3().createBucket(b -> b.bucket(aws.bucket()));
      }
      Map<String, String> settings = new HashMap<>(environmentOf(aws));
      settings.put("STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT", "5");

      Result refused = start(settings);

      assertThat(refused.exitCode()).isEqualTo(ConfigurationRefusal.EXIT_CODE);
      assertThat(refused.errorLines())
          .singleElement()
          .asString()
          .contains("worker refused its configuration: storage-builder.worker.max-receive-count"
              + " (STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT) (5) must not exceed the maxReceiveCount of queue"
              + " sb-refusal's redrive policy (3)");

      settings.put("STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT", "3");
      // Stopped while idle, a worker lets its long poll run out: 1 s, not SQS's 20 s of waiting.
      settings.put("STORAGE_BUILDER_WORKER_RECEIVE_WAIT", "1s");
      Path log = dir.resolve("accepted.log");
      Process accepted = builder(settings, log).start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("worker receiving"));
        assertThat(accepted.isAlive()).isTrue();
      } finally {
        accepted.destroy();
        accepted.waitFor(30, TimeUnit.SECONDS);
        accepted.destroyForcibly();
      }
    }
  }

  private static Map<String, String> environmentOf(AwsSettings aws) {
    return Map.of(
        "STORAGE_BUILDER_AWS_REGION", aws.region(),
        "STORAGE_BUILDER_AWS_SQS_ENDPOINT", aws.sqsEndpoint().toString(),
        "STORAGE_BUILDER_AWS_S3_ENDPOINT", aws.s3Endpoint().toString(),
        "STORAGE_BUILDER_AWS_DYNAMODB_ENDPOINT", aws.dynamoEndpoint().toString(),
        "STORAGE_BUILDER_AWS_BUCKET", aws.bucket(),
        "STORAGE_BUILDER_AWS_QUEUE", aws.queueName(),
        "STORAGE_BUILDER_AWS_DLQ", aws.dlqName(),
        "STORAGE_BUILDER_AWS_VERSIONS_TABLE", aws.versionsTable(),
        "STORAGE_BUILDER_AWS_RUNS_TABLE", aws.runsTable());
  }

  private Result start(Map<String, String> settings) throws IOException, InterruptedException {
    return ConfiguredJvm.run(WorkerApplication.class, withHealthPort(settings), dir.resolve("worker.log"));
  }

  private static ProcessBuilder builder(Map<String, String> settings, Path log) {
    return ConfiguredJvm.builder(WorkerApplication.class, withHealthPort(settings), log);
  }

  private static Map<String, String> withHealthPort(Map<String, String> settings) {
    Map<String, String> environment = new HashMap<>(Map.of("MICRONAUT_SERVER_PORT", "0"));
    environment.putAll(settings);
    return environment;
  }
}
