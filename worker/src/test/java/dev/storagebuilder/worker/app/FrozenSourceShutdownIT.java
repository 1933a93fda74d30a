package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoSourceSlots;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.testing.ConfiguredJvm;
import dev.storagebuilder.common.testing.FreezingTcpProxy;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SIGTERM a worker JVM while its target reads from a source that stopped answering mid-result-set
 * (a partition, a frozen host: through a proxy that stops passing bytes, real MariaDB and
 * PostgreSQL). Nothing answers the read before the read timeout (10 min here), no interrupt reaches
 * it, and the driver's own abort waits behind it (MariaDB's; closing the pool calls it): the stop
 * used to wait out the read timeout, and ECS killed the task first. Now the stop is as with any
 * other source: the target is released at the grace deadline, its read aborted, its source slot
 * given back, and the worker exits 0 soon after its grace.
 */
class FrozenSourceShutdownIT {
  private static final String CLIENT = "frozen";
  private static final int ROWS = 300_000;
  /** Far beyond every query before the read (a few KB), far below the read (~60 MB): mid-read. */
  private static final long FREEZE_AFTER_BYTES = 4L << 20;
  private static final Duration GRACE = Duration.ofSeconds(6);
  /** The grace, the ledger writes and deletes (none here), closing the context and the JVM's exit, with room for a busy box. */
  private static final Duration STOP_BOUND = GRACE.plusSeconds(12);
  /** Long enough that a message that came back did not wait out its visibility, nor a slot its lease. */
  private static final Duration VISIBILITY = Duration.ofSeconds(120);
  private static final String POSTGRES_ADMIN = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5";
  private static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test";
  private static final AtomicInteger RUNS = new AtomicInteger();

  private static EmbeddedAwsStack stack;
  private static String postgresSchema;
  private static String mariaDbTable;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws SQLException {
    stack = EmbeddedAwsStack.builder().start();
    String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    postgresSchema = "sbstop_" + suffix;
    execute(POSTGRES_ADMIN, null, "CREATE SCHEMA " + postgresSchema);
    execute(POSTGRES_ADMIN + "&currentSchema=" + postgresSchema, null,
        "CREATE TABLE items (client_id text NOT NULL, id bigint NOT NULL, version bigint NOT NULL,"
            + " payload text NOT NULL, PRIMARY KEY (client_id, id));"
            + "INSERT INTO items SELECT '" + CLIENT + "', g, g, repeat('x', 180) FROM generate_series(1, " + ROWS + ") g");
    mariaDbTable = "sbstop_" + suffix;
    execute(MARIADB, "root", "CREATE TABLE " + mariaDbTable + " (client_id varchar(20) NOT NULL, id bigint NOT NULL,"
        + " version bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (client_id, id))");
    execute(MARIADB, "root",
        "INSERT INTO " + mariaDbTable + " SELECT '" + CLIENT + "', seq, seq, REPEAT('x', 180) FROM seq_1_to_" + ROWS);
  }

  @AfterAll
  static void stop() throws SQLException {
    if (postgresSchema != null) {
      execute(POSTGRES_ADMIN, null, "DROP SCHEMA IF EXISTS " + postgresSchema + " CASCADE");
    }
    if (mariaDbTable != null) {
      execute(MARIADB, "root", "DROP TABLE IF EXISTS " + mariaDbTable);
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aWorkerStoppedDuringAFrozenMariaDbReadReleasesItsTargetAndExitsSoonAfterItsGrace() throws Exception {
    try (FreezingTcpProxy proxy = new FreezingTcpProxy(3306)) {
      stopDuringAFrozenRead(proxy, "jdbc:mariadb://127.0.0.1:" + proxy.port() + "/test", "root", mariaDbTable, false);
    }
  }

  @Test
  void aWorkerStoppedDuringAFrozenPostgresCursorReadReleasesItsTargetAndExitsSoonAfterItsGrace() throws Exception {
    try (FreezingTcpProxy proxy = new FreezingTcpProxy(5432)) {
      stopDuringAFrozenRead(proxy, postgresUrl(proxy), "postgres", "items", false);
    }
  }

  @Test
  void aWorkerStoppedDuringAFrozenPostgresCopyReadReleasesItsTargetAndExitsSoonAfterItsGrace() throws Exception {
    try (FreezingTcpProxy proxy = new FreezingTcpProxy(5432)) {
      stopDuringAFrozenRead(proxy, postgresUrl(proxy), "postgres", "items", true);
    }
  }

  private static String postgresUrl(FreezingTcpProxy proxy) {
    return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test?connectTimeout=5&currentSchema=" + postgresSchema;
  }

  private void stopDuringAFrozenRead(FreezingTcpProxy proxy, String jdbcUrl, String user, String table, boolean copy)
      throws Exception {
    String name = "frozen-stop-" + RUNS.incrementAndGet();
    AwsSettings aws = EmbeddedAws.settings(stack, name);
    String runId = "run-" + name;
    try (AwsClients clients = new AwsClients(aws)) {
      QueueProvisioner.QueueUrls queues =
          QueueProvisioner.ensureQueues(clients.sqs(), aws.queueName(), aws.dlqName(), 3, (int) VISIBILITY.toSeconds());
      LedgerTables.ensure(clients.dynamo(), aws);
      clients.s3().createBucket(b -> b.bucket(aws.bucket()));
      DynamoRunLedger runs = new DynamoRunLedger(clients.dynamo(), aws.runsTable());
      runs.createRun(new RunRecord(runId, "all", SyncMode.FULL, "test", Instant.now(), 1));
      String body =
          TargetMessageCodec.encode(TargetMessage.of(runId, new TargetRef(CLIENT, "items"), SyncMode.FULL, Instant.now()));
      clients.sqs().sendMessage(b -> b.queueUrl(queues.queueUrl()).messageBody(body));
      proxy.freezeAfter(FREEZE_AFTER_BYTES);

      Path log = dir.resolve(name + ".log");
      ProcessBuilder builder =
          ConfiguredJvm.builder(WorkerApplication.class, environment(aws, name, jdbcUrl, user, table, copy), log);
      // The default 128 MiB leaves a first build of unknown size too little of the memory budget.
      builder.environment().remove("STORAGE_BUILDER_SOURCE_JDBC_URL"); // the declarations name the source
      builder.command().replaceAll(argument -> argument.equals("-Xmx128m") ? "-Xmx512m" : argument);
      Process worker = builder.start();
      try {
        await("the source froze mid-read").atMost(Duration.ofSeconds(120))
            .until(() -> proxy.isFrozen() || !worker.isAlive());
        assertThat(proxy.isFrozen()).as("the source froze mid-read; the worker's log:\n" + Files.readString(log)).isTrue();
        assertThat(Files.readString(log)).contains("target start");

        long stopping = System.nanoTime();
        worker.destroy(); // SIGTERM, as ECS sends it
        boolean exited = worker.waitFor(STOP_BOUND.toSeconds() + 30, TimeUnit.SECONDS);
        Duration stopTook = Duration.ofNanos(System.nanoTime() - stopping);

        String output = Files.readString(log);
        System.out.printf("%s: exited %d ms after SIGTERM%n%s%n", jdbcUrl, stopTook.toMillis(),
            output.lines().filter(line -> line.contains("[worker-shutdown]") || line.contains("source-pool-close")
                || line.contains("HikariPool")).collect(java.util.stream.Collectors.joining("\n")));
        assertThat(exited).as("the worker exited; its log:\n" + output).isTrue();
        assertThat(stopTook).as("SIGTERM to exit; the worker's log:\n" + output).isLessThan(STOP_BOUND);
        assertThat(worker.exitValue()).as("a SIGTERMed worker exits 0").isZero();
        assertThat(output).contains("released 1 running targets");

        // Released at once, not after its 120 s visibility timeout.
        List<Message> back =
            clients.sqs().receiveMessage(b -> b.queueUrl(queues.queueUrl()).waitTimeSeconds(5)).messages();
        assertThat(back).singleElement().satisfies(message -> assertThat(message.body()).isEqualTo(body));
        // The source slot came back with the target, not when its 120 s lease runs out.
        DynamoSourceSlots slots = new DynamoSourceSlots(clients.dynamo(), aws.runsTable(), name, 1, VISIBILITY);
        assertThat(slots.tryAcquire("after-the-stop")).as("the only slot of the source is free").isPresent();
        RunStatus status = runs.status(runId).orElseThrow();
        assertThat(status.count(TargetState.FAILED) + status.count(TargetState.DEAD_LETTERED))
            .as("an abandoned target spends no attempt").isZero();
      } finally {
        worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static Map<String, String> environment(
      AwsSettings aws, String name, String jdbcUrl, String user, String table, boolean copy) {
    Map<String, String> environment = new HashMap<>();
    environment.put("MICRONAUT_SERVER_PORT", "0");
    environment.put("STORAGE_BUILDER_AWS_REGION", aws.region());
    environment.put("STORAGE_BUILDER_AWS_SQS_ENDPOINT", aws.sqsEndpoint().toString());
    environment.put("STORAGE_BUILDER_AWS_S3_ENDPOINT", aws.s3Endpoint().toString());
    environment.put("STORAGE_BUILDER_AWS_DYNAMODB_ENDPOINT", aws.dynamoEndpoint().toString());
    environment.put("STORAGE_BUILDER_AWS_ACCESS_KEY", stack.accessKey());
    environment.put("STORAGE_BUILDER_AWS_SECRET_KEY", stack.secretKey());
    environment.put("STORAGE_BUILDER_AWS_BUCKET", aws.bucket());
    environment.put("STORAGE_BUILDER_AWS_QUEUE", aws.queueName());
    environment.put("STORAGE_BUILDER_AWS_DLQ", aws.dlqName());
    environment.put("STORAGE_BUILDER_AWS_VERSIONS_TABLE", aws.versionsTable());
    environment.put("STORAGE_BUILDER_AWS_RUNS_TABLE", aws.runsTable());
    environment.put("STORAGE_BUILDER_SOURCE_CONFIG_JSON", """
        {"jdbcUrl": "%s", "username": "%s",
         "clientsQuery": "SELECT '%s'",
         "targets": [{"name": "items", "table": "%s", "clientColumn": "client_id", "keyColumns": ["id"],
                      "versionColumn": "version",
                      "columns": [{"name": "id", "type": "INT64", "nullable": false},
                                  {"name": "version", "type": "INT64", "nullable": false},
                                  {"name": "payload", "type": "STRING", "nullable": false}]}]}
        """.formatted(jdbcUrl, user, CLIENT, table));
    environment.put("STORAGE_BUILDER_SOURCE_ID", name);
    environment.put("STORAGE_BUILDER_WORKER_CONCURRENCY", "1");
    environment.put("STORAGE_BUILDER_WORKER_SOURCE_CONCURRENCY_CAP", "1");
    environment.put("STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT", "3");
    environment.put("STORAGE_BUILDER_WORKER_VISIBILITY_TIMEOUT", VISIBILITY.toSeconds() + "s");
    environment.put("STORAGE_BUILDER_WORKER_RECEIVE_WAIT", "1s");
    environment.put("STORAGE_BUILDER_WORKER_SHUTDOWN_GRACE", GRACE.toSeconds() + "s");
    environment.put("STORAGE_BUILDER_WORKER_SHUTDOWN_RELEASE_MARGIN", "3s");
    environment.put("STORAGE_BUILDER_WORKER_SOURCE_READ_TIMEOUT", "10m");
    environment.put("STORAGE_BUILDER_WORKER_POSTGRES_COPY", Boolean.toString(copy));
    return environment;
  }

  private static void execute(String url, String user, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url, user, null);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
