package dev.storagebuilder.local.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.local.chaos.ChaosMonkey;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.h2.jdbcx.JdbcDataSource;

/**
 * {@code ./sb demo}: generate a tenant database, start the fleet, run an update-all over HTTP, show
 * progress, verify every snapshot against the source and summarize.
 */
public final class DemoRunner {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration RUN_TIMEOUT = Duration.ofHours(2);

  private final DemoOptions options;
  private final PrintStream out;
  private final Path home;

  public DemoRunner(DemoOptions options, PrintStream out, Path home) {
    this.options = options;
    this.out = out;
    this.home = home;
  }

  /** Runs the demo; returns the summary (its {@link RunSummary#ok()} decides the exit code). */
  public RunSummary run() throws IOException, SQLException, InterruptedException {
    Path stateDir = options.stateDir() != null ? options.stateDir() : Files.createTempDirectory("sb-demo-");
    long started = System.nanoTime();
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      JdbcDataSource local = new JdbcDataSource();
      local.setURL(source.localJdbcUrl());
      out.printf("Generating the demo source (scale %s, seed %d)...%n", options.scale(), options.seed());
      GenerationReport generated;
      try (Connection connection = local.getConnection()) {
        generated = new DemoDataGenerator(options.seed(), options.scale()).load(connection);
      }
      out.printf("  %d clients, %,d rows in %.1f s%n", generated.clientIds().size(), generated.totalRows(),
          seconds(started));
      out.println("Starting the embedded AWS stack, the producer and " + options.workers() + " workers...");
      // Chaos: workers reach the source and S3 through fault-injecting proxies, with short
      // timeouts so a killed worker's messages and an outage's pauses resolve in seconds.
      TcpProxy dbProxy = options.chaos() ? TcpProxy.start("127.0.0.1", source.port()) : null;
      int s3ProxyPort = LocalFleet.freePort();
      Map<String, String> workerExtras = new java.util.LinkedHashMap<>();
      if (options.chaos()) {
        workerExtras.put("storage-builder.aws.s3-endpoint", "http://127.0.0.1:" + s3ProxyPort);
        workerExtras.put("storage-builder.worker.visibility-timeout", "10s");
        workerExtras.put("storage-builder.worker.receive-wait", "1s");
        workerExtras.put("storage-builder.worker.retry-base-delay", "1s");
        workerExtras.put("storage-builder.worker.source-connection-timeout", "1s");
        workerExtras.put("storage-builder.worker.source-breaker-open-wait", "3s");
        workerExtras.put("storage-builder.worker.source-breaker-minimum-calls", "2");
      }
      String workerJdbcUrl = dbProxy != null ? source.jdbcUrlVia(dbProxy.port()) : source.jdbcUrl();
      FleetOptions fleetOptions =
          new FleetOptions(stateDir, options.workers(), FleetOptions.DEFAULT_WORKER_CONCURRENCY,
              FleetOptions.DEFAULT_WORKER_HEAP_MB, Map.of("storage-builder.source.jdbc-url", workerJdbcUrl), workerExtras);
      try (LocalFleet fleet = LocalFleet.start(fleetOptions, home);
          TcpProxy s3Proxy = options.chaos()
              ? TcpProxy.start(fleet.aws().s3Endpoint().getHost(), fleet.aws().s3Endpoint().getPort(), s3ProxyPort)
              : null;
          TcpProxy dbProxyScope = dbProxy) {
        out.printf("  up in %.1f s; producer at %s, logs in %s%n", seconds(started), fleet.producerUrl(),
            stateDir.resolve("logs"));
        ChaosMonkey chaos =
            options.chaos() ? new ChaosMonkey(fleet, dbProxy, s3Proxy, new java.util.SplittableRandom(options.seed()), out) : null;
        RunSummary summary = runAndVerify(fleet, local, generated, chaos);
        if (options.keepRunning()) {
          keepRunning(fleet, source);
        }
        return summary;
      }
    }
  }

  private RunSummary runAndVerify(LocalFleet fleet, JdbcDataSource local, GenerationReport generated, ChaosMonkey chaos)
      throws IOException, SQLException, InterruptedException {
    ProducerClient producer = new ProducerClient(fleet.producerUrl(), null);
    long runStart = System.nanoTime();
    JsonNode started = producer.startRun(TextNode.valueOf("all"), options.mode().wireName());
    String runId = started.path("runId").asText();
    out.printf("Run %s: %d targets enqueued (%s)%n", runId, started.path("enqueued").asInt(), options.mode().wireName());
    if (chaos != null) {
      List<TargetRef> refs = new java.util.ArrayList<>();
      for (String client : generated.clientIds()) {
        SourceConfigLoader.demo(local.getURL(), null, null).targets().forEach(t -> refs.add(new TargetRef(client, t.name())));
      }
      chaos.start(runId, refs);
    }
    Progress progress = new Progress(out, System.console() != null);
    JsonNode run = producer.run(runId);
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (!run.path("state").asText().equals("succeeded") && !run.path("state").asText().equals("failed")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("run " + runId + " did not finish within " + RUN_TIMEOUT);
      }
      progress.show(run, seconds(runStart));
      fleet.sampleMemory();
      LockSupport.parkNanos(POLL.toNanos());
      run = producer.run(runId);
    }
    progress.show(run, seconds(runStart));
    progress.end();
    if (chaos != null) {
      chaos.close();
    }
    double runSeconds = seconds(runStart);
    long peakRssMb = fleet.workers().stream().mapToLong(FleetProcess::peakRssKb).max().orElse(0) / 1024;

    out.println("Verifying every snapshot against the source...");
    SourceConfig config = SourceConfigLoader.demo(local.getURL(), null, null);
    List<TargetVerification> results;
    try (AwsClients aws = new AwsClients(fleet.aws())) {
      SnapshotVerifier verifier =
          new SnapshotVerifier(local, config, new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable()),
              new S3ObjectStore(aws.s3(), fleet.aws().bucket()));
      results = verifier.verifyAll(generated.clientIds());
    }
    long matching = results.stream().filter(TargetVerification::matches).count();
    results.stream().filter(r -> !r.matches()).limit(10).forEach(r -> out.println("  MISMATCH " + r.target() + ": " + r.problem()));
    JsonNode counts = run.path("counts");
    RunSummary summary =
        new RunSummary(
            runId,
            options.mode().wireName(),
            run.path("total").asInt(),
            counts.path("succeeded").asInt(),
            counts.path("failed").asInt(),
            counts.path("deadLettered").asInt(),
            run.path("rows").asLong(),
            run.path("bytes").asLong(),
            runSeconds,
            options.workers(),
            matching == results.size() && !results.isEmpty(),
            (int) matching,
            peakRssMb,
            chaos == null ? null : chaos.summary());
    summary.print(out);
    if (options.summaryFile() != null) {
      Files.writeString(options.summaryFile(), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary.toJson()));
      out.println("  summary       " + options.summaryFile());
    }
    return summary;
  }

  private void keepRunning(LocalFleet fleet, DemoSource source) throws InterruptedException {
    out.println();
    out.println("The stack stays up; Ctrl-C stops it.");
    out.println("producer: " + fleet.producerUrl());
    out.println("sqs:      " + fleet.stack().sqsEndpoint());
    out.println("s3:       " + fleet.stack().s3Endpoint() + " (bucket " + fleet.aws().bucket() + ")");
    out.println("dynamodb: " + fleet.stack().dynamoEndpoint());
    out.println("source:   " + source.jdbcUrl());
    out.println("try:      curl -s " + fleet.producerUrl() + "/api/runs");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
    stopped.await();
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
