package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The whole fleet as a user runs it: the embedded stack, the producer and two worker processes
 * from their real jars, an update-all over HTTP, and every snapshot read back from S3 through the
 * common reader and compared with the source rows.
 */
class FleetIT {
  private static final double SCALE = 0.004;
  private static final long SEED = 7;

  @TempDir Path stateDir;

  @Test
  void updateAllOverAnH2SourceSnapshotsEveryTargetExactlyOnceAndDeadLettersPoisonMessages() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      GenerationReport generated = source.load(new DemoDataGenerator(SEED, SCALE));
      runUpdateAllAndCheck(source.localDataSource(), source.jdbcUrl(), generated, true);
    }
  }

  @Test
  void aClosedFleetStartsNoMoreWorkers() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      FleetOptions options =
          new FleetOptions(stateDir, 0, 1, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()), Map.of());
      LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
      fleet.close();
      try {
        // What the chaos thread does when it restarts a killed worker while a demo stops.
        assertThatThrownBy(fleet::addWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
        assertThat(fleet.workers()).isEmpty();
      } finally {
        fleet.workers().forEach(FleetProcess::kill); // a worker started after close: nothing else stops it
      }
    }
  }

  @Test
  void updateAllOverAPostgresSourceSnapshotsEveryTarget() throws Exception {
    String schema = "sbfleet_" + Long.toString(System.nanoTime(), 36);
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    try (Connection connection = admin.getConnection(); Statement sql = connection.createStatement()) {
      sql.execute("CREATE SCHEMA " + schema);
    }
    try {
      String url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=" + schema;
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL(url);
      GenerationReport generated;
      try (Connection connection = pg.getConnection()) {
        generated = new DemoDataGenerator(SEED, SCALE).load(connection);
      }
      runUpdateAllAndCheck(pg, url, generated, false);
    } finally {
      try (Connection connection = admin.getConnection(); Statement sql = connection.createStatement()) {
        sql.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private void runUpdateAllAndCheck(DataSource sourceData, String workerJdbcUrl, GenerationReport generated, boolean poison)
      throws Exception {
    FleetOptions options =
        new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
            Map.of("storage-builder.source.jdbc-url", workerJdbcUrl), Map.of("storage-builder.worker.receive-wait", "2s"));
    try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
        AwsClients aws = new AwsClients(fleet.aws())) {
      if (poison) {
        sendPoison(aws, fleet);
      }
      // Each worker binds its own port for /health: a port the fleet picked and handed over could
      // be taken by then, and the worker exited at start.
      assertThat(fleet.workers()).allSatisfy(w -> assertThat(w.command()).contains("-Dmicronaut.server.port=0"));
      ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
      JsonNode started = producer.startRun(TextNode.valueOf("all"), "full");
      String runId = started.path("runId").asText();
      int expectedTargets = generated.clientIds().size() * 6;
      assertThat(started.path("enqueued").asInt()).isEqualTo(expectedTargets);

      JsonNode finished =
          await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
              .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));

      assertThat(finished.path("state").asText()).isEqualTo("succeeded");
      assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
      assertThat(finished.path("rows").asLong()).isEqualTo(generated.totalRows());

      SourceConfig config = SourceConfigLoader.demo(workerJdbcUrl, null, null);
      DynamoVersionLedger versions = new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable());
      S3ObjectStore store = new S3ObjectStore(aws.s3(), fleet.aws().bucket());

      // Exactly one commit per target: two workers competed, yet every record is at sequence 1.
      List<TargetVersion> all = versions.all();
      assertThat(all).hasSize(expectedTargets);
      assertThat(all).allSatisfy(v -> assertThat(v.sequence()).isEqualTo(1));
      assertThat(all).allSatisfy(v -> assertThat(v.runId()).isEqualTo(runId));

      // Run progress is in DynamoDB, one succeeded entry per target with the committed version.
      List<TargetProgress> progress = new DynamoRunLedger(aws.dynamo(), fleet.aws().runsTable()).targets(runId);
      assertThat(progress).hasSize(expectedTargets);
      assertThat(progress).allSatisfy(p -> {
        assertThat(p.state()).isEqualTo(TargetState.SUCCEEDED);
        assertThat(p.versionSequence()).isEqualTo(1);
      });

      // Every snapshot's content equals its source rows (checksum over canonical values).
      List<TargetVerification> results =
          new SnapshotVerifier(sourceData, config, versions, store).verifyAll(generated.clientIds());
      assertThat(results).hasSize(expectedTargets).allSatisfy(r -> assertThat(r.problem()).isNull());

      // And row by row for the largest client: the reader's rows are exactly the source's rows.
      String largest = new DemoDataGenerator(SEED, SCALE).largestClientId();
      for (TargetDeclaration target : config.targets()) {
        TargetRef ref = new TargetRef(largest, target.name());
        assertThat(snapshotRows(store, versions, ref)).as(ref.toString())
            .containsExactlyInAnyOrderElementsOf(sourceRows(sourceData, target, largest));
      }

      if (poison) {
        assertPoisonDeadLettered(aws, fleet);
      }
    }
  }

  private static void sendPoison(AwsClients aws, LocalFleet fleet) {
    aws.sqs().sendMessage(b -> b.queueUrl(fleet.queues().queueUrl()).messageBody("{this is not json"));
    String unknownTarget =
        TargetMessageCodec.encode(
            TargetMessage.of("run-stray", new TargetRef("client-0000", "no_such_target"), SyncMode.FULL, Instant.now()));
    aws.sqs().sendMessage(b -> b.queueUrl(fleet.queues().queueUrl()).messageBody(unknownTarget));
  }

  private static void assertPoisonDeadLettered(AwsClients aws, LocalFleet fleet) {
    List<Message> dead = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      dead.addAll(aws.sqs().receiveMessage(b -> b.queueUrl(fleet.queues().dlqUrl()).maxNumberOfMessages(10)
          .waitTimeSeconds(1).messageAttributeNames("All")
          .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
      return dead.size() >= 2;
    });
    Map<String, String> reasons =
        dead.stream().collect(Collectors.toMap(Message::body, m -> m.messageAttributes().get("sb-reason").stringValue()));
    assertThat(reasons).containsEntry("{this is not json", "malformed-json");
    assertThat(reasons.values()).contains("unknown-target");
    assertThat(dead).allSatisfy(m -> assertThat(m.messageAttributes().get("sb-detail").stringValue()).isNotBlank());
  }

  private static List<List<Object>> snapshotRows(S3ObjectStore store, DynamoVersionLedger versions, TargetRef ref)
      throws Exception {
    TargetVersion version = versions.current(ref).orElseThrow();
    List<List<Object>> rows = new ArrayList<>();
    try (CloseableIterator<Object[]> it =
        SnapshotReader.open(store, ManifestCodec.decode(store.get(version.manifestKey()))).rows()) {
      it.forEachRemaining(row -> rows.add(comparable(row)));
    }
    return rows;
  }

  private static List<List<Object>> sourceRows(DataSource source, TargetDeclaration target, String client)
      throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection connection = source.getConnection();
        PreparedStatement statement = connection.prepareStatement(TargetSql.selectAll(target))) {
      statement.setString(1, client);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(comparable(JdbcValues.read(rs, target)));
        }
      }
    }
    return rows;
  }

  /** byte[] compares by identity; lists of its contents compare by value. */
  private static List<Object> comparable(Object[] row) {
    List<Object> values = new ArrayList<>(row.length);
    for (Object value : row) {
      values.add(value instanceof byte[] bytes ? Arrays.toString(bytes) : value == null ? "<null>" : value);
    }
    return values;
  }
}
