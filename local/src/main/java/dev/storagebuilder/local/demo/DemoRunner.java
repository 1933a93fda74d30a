package dev.storagebuilder.local.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.local.chaos.ChaosMonkey;
import dev.storagebuilder.local.chaos.TcpProxy;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.client.RunFailures;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.ChangeBurst;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;

/**
 * {@code ./sb demo}: generate a tenant database, start the fleet, run an update-all over HTTP, show
 * progress, verify every snapshot against the source and summarize.
 */
public final class DemoRunner {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int DEMO_OVERLAP_VERSIONS = 1_000;
  private static final Duration RUN_TIMEOUT = Duration.ofHours(2);
  private static final int MAX_FAILURES_SHOWN = 10;

  private final DemoOptions options;
  private final PrintStream out;
  private final Path home;
  private String apiToken;

  /** Changes the incremental scenario applies between its two runs; 0 = the plain update-all demo. */
  private final int incrementalChanges;

  public DemoRunner(DemoOptions options, PrintStream out, Path home) {
    this(options, out, home, 0);
  }

  /**
   * {@code incrementalChanges > 0}: the incremental scenario (a full run, a change burst with an
   * out-of-order transaction, an incremental update-all, verification).
   */
  public DemoRunner(DemoOptions options, PrintStream out, Path home, int incrementalChanges) {
    this.options = options;
    this.out = out;
    this.home = home;
    this.incrementalChanges = incrementalChanges;
  }

  /** The producer's API token; unset (or blank), the fleet generates one and the demo prints it. */
  public DemoRunner withApiToken(String token) {
    this.apiToken = token;
    return this;
  }

  /** Runs the demo; returns the summary (its {@link RunSummary#ok()} decides the exit code). */
  public RunSummary run() throws IOException, SQLException, InterruptedException {
    if (options.stateDir() != null) {
      return runIn(options.stateDir());
    }
    // Without --state-dir nothing is kept, as the embedded stack deletes its own temporary state:
    // the source database, S3 objects and tables (gigabytes at --scale 1) would otherwise pile up
    // in the temporary directory, one directory per demo. A failed demo keeps them for its logs.
    Path stateDir = Files.createTempDirectory("sb-demo-");
    boolean succeeded = false;
    try {
      RunSummary summary = runIn(stateDir);
      succeeded = summary.ok();
      return summary;
    } finally {
      if (succeeded) {
        deleteQuietly(stateDir);
      } else {
        out.println("  state and logs kept in " + stateDir);
      }
    }
  }

  private RunSummary runIn(Path stateDir) throws IOException, SQLException, InterruptedException {
    long started = System.nanoTime();
    SourceFingerprint regenerated = new SourceFingerprint(options.seed(), options.scale(), 0);
    requireSameSourceForIncremental(stateDir, regenerated);
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      out.printf("Generating the demo source (scale %s, seed %d)...%n", options.scale(), options.seed());
      DemoDataGenerator generator = new DemoDataGenerator(options.seed(), options.scale());
      GenerationReport generated = source.load(generator);
      regenerated.write(stateDir);
      JdbcDataSource local = source.localDataSource();
      out.printf("  %d clients, %,d rows in %.1f s%n", generated.clientIds().size(), generated.totalRows(),
          seconds(started));
      out.println("Starting the embedded AWS stack, the producer and " + options.workers() + " workers...");
      // H2 has no exact watermark: incremental reads re-read an overlap window of versions.
      // The demo's one sequence spans every table, so the default (10,000) would re-read most
      // small targets; a burst holds at most DEMO_OVERLAP_VERSIONS versions out of order.
      Map<String, String> workerExtras = new java.util.LinkedHashMap<>();
      workerExtras.put("storage-builder.worker.overlap-versions", String.valueOf(DEMO_OVERLAP_VERSIONS));
      // Chaos: workers reach the source and S3 through fault-injecting proxies, with short
      // timeouts so a killed worker's messages and an outage's pauses resolve in seconds.
      TcpProxy dbProxy = options.chaos() ? TcpProxy.start("127.0.0.1", source.port()) : null;
      int s3ProxyPort = LocalFleet.freePort();
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
      // The source's proxy first: it was started above, so a fleet that fails to start must close
      // it too (it stayed listening), and a closing fleet's workers drain with the source reachable.
      try (TcpProxy dbProxyScope = dbProxy;
          LocalFleet fleet = LocalFleet.start(fleetOptions, home, apiToken);
          TcpProxy s3Proxy = options.chaos()
              ? TcpProxy.start(fleet.aws().s3Endpoint().getHost(), fleet.aws().s3Endpoint().getPort(), s3ProxyPort)
              : null) {
        out.printf("  up in %.1f s; producer at %s, logs in %s%n", seconds(started), fleet.producerUrl(),
            stateDir.resolve("logs"));
        ChaosMonkey chaos =
            options.chaos() ? new ChaosMonkey(fleet, dbProxy, s3Proxy, options.chaosSettings(),
                new java.util.SplittableRandom(options.seed()), out) : null;
        RunSummary summary;
        if (incrementalChanges > 0) {
          summary = incrementalScenario(fleet, local, generated, generator, regenerated, stateDir);
        } else {
          summary = runAndVerify(fleet, local, generated, options.mode(), chaos);
          writeSummary(summary.toJson());
        }
        if (options.keepRunning()) {
          keepRunning(fleet, source);
        }
        return summary;
      }
    }
  }

  /**
   * Refuses {@code --mode incremental} on a state directory whose snapshots were built from another
   * source than the one this demo regenerates, before anything in it is touched.
   */
  private void requireSameSourceForIncremental(Path stateDir, SourceFingerprint regenerated) throws IOException {
    if (options.mode() != SyncMode.INCREMENTAL || incrementalChanges > 0) {
      return;
    }
    Optional<SourceFingerprint> built = SourceFingerprint.read(stateDir);
    if (built.isPresent() && !built.get().equals(regenerated)) {
      throw new IllegalArgumentException(
          "--mode incremental on " + stateDir + ": its snapshots were built from another source ("
              + built.get().describe() + ") than the one this demo generates (" + regenerated.describe()
              + "), so the run would be compared with rows the new source does not have; run --mode full on it"
              + " first, or use another --state-dir");
    }
  }

  private RunSummary incrementalScenario(
      LocalFleet fleet, JdbcDataSource local, GenerationReport generated, DemoDataGenerator generator,
      SourceFingerprint regenerated, Path stateDir)
      throws IOException, SQLException, InterruptedException {
    RunSummary full = runAndVerify(fleet, local, generated, SyncMode.FULL, null);
    out.printf("Applying %d changes (inserts, updates, deletes; the first transaction commits out of version order)...%n",
        incrementalChanges);
    ChangeBurst.Result burst =
        new ChangeBurst(generator, options.seed() + 1).apply(local, Math.max(3, incrementalChanges), true);
    regenerated.withChangesApplied(burst.total()).write(stateDir);
    out.printf("  %d inserted, %d updated, %d deleted (held version %s)%n", burst.inserted(), burst.updated(),
        burst.deleted(), burst.heldVersion().isPresent() ? burst.heldVersion().getAsLong() : "-");
    RunSummary incremental = runAndVerify(fleet, local, generated, SyncMode.INCREMENTAL, null);
    ObjectNode json = full.toJson();
    json.put("scenario", "incremental");
    json.put("changedRows", burst.total());
    json.put("incrementalSeconds", Math.round(incremental.seconds() * 1000) / 1000.0);
    json.put("incrementalBytes", incremental.bytes());
    json.put("incrementalRowsRead", incremental.rows());
    json.put("verified", full.verified() && incremental.verified());
    writeSummary(json);
    out.printf("  full run %.1f s, %s; incremental run %.1f s, %s, %d rows read for %d changes%n", full.seconds(),
        Progress.megabytes(full.bytes()), incremental.seconds(), Progress.megabytes(incremental.bytes()),
        incremental.rows(), burst.total());
    return new RunSummary(incremental.runId(), "incremental", incremental.total(), incremental.succeeded(),
        incremental.failed() + full.failed(), incremental.deadLettered() + full.deadLettered(), incremental.rows(),
        incremental.bytes(), incremental.seconds(), incremental.workers(), full.verified() && incremental.verified(),
        incremental.verifiedTargets(), Math.max(full.workerPeakRssMb(), incremental.workerPeakRssMb()));
  }

  private void writeSummary(ObjectNode json) throws IOException {
    if (options.summaryFile() != null) {
      Files.writeString(options.summaryFile(), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
      out.println("  summary       " + options.summaryFile());
    }
  }

  private RunSummary runAndVerify(
      LocalFleet fleet, JdbcDataSource local, GenerationReport generated, SyncMode mode, ChaosMonkey chaos)
      throws IOException, SQLException, InterruptedException {
    ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
    long runStart = System.nanoTime();
    JsonNode started = producer.startRun(TextNode.valueOf("all"), mode.wireName());
    String runId = started.path("runId").asText();
    out.printf("Run %s: %d targets enqueued (%s)%n", runId, started.path("enqueued").asInt(), mode.wireName());
    if (chaos != null) {
      List<TargetRef> refs = new java.util.ArrayList<>();
      for (String client : generated.clientIds()) {
        SourceConfigLoader.demo(local.getURL(), null, null).targets().forEach(t -> refs.add(new TargetRef(client, t.name())));
      }
      chaos.start(runId, refs);
    }
    Progress progress = new Progress(out, System.console() != null);
    JsonNode run;
    try {
      run = progress.follow(producer, runId, runStart, POLL, RUN_TIMEOUT, () -> {
        fleet.sampleMemory();
        fleet.requireRunning();
      });
    } finally {
      // Also when following failed: the chaos must not kill and restart workers while the fleet stops.
      if (chaos != null) {
        chaos.close();
      }
    }
    double runSeconds = seconds(runStart);
    // The reasons live in the run ledger, which a demo without --keep-running takes down with it.
    List<String> failures = RunFailures.lines(producer, runId, run);
    failures.stream().limit(MAX_FAILURES_SHOWN).forEach(out::println);
    if (failures.size() > MAX_FAILURES_SHOWN) {
      out.printf("  ... and %d more (./sb run %s, with --keep-running)%n", failures.size() - MAX_FAILURES_SHOWN, runId);
    }
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
            mode.wireName(),
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
    return summary;
  }

  private void keepRunning(LocalFleet fleet, DemoSource source) throws InterruptedException {
    out.println();
    out.println("The stack stays up; Ctrl-C stops it.");
    out.println("producer: " + fleet.producerUrl());
    out.println("dashboard: " + fleet.producerUrl() + "/dashboard/?token=" + fleet.apiToken());
    out.println("token:    " + fleet.apiToken());
    out.println("cli:      export STORAGE_BUILDER_TOKEN=" + fleet.apiToken() + "; ./sb runs --url " + fleet.producerUrl());
    out.println("sqs:      " + fleet.stack().sqsEndpoint());
    out.println("s3:       " + fleet.stack().s3Endpoint() + " (bucket " + fleet.aws().bucket() + ")");
    out.println("dynamodb: " + fleet.stack().dynamoEndpoint());
    out.println("source:   " + source.jdbcUrl());
    out.println("try:      curl -s -H 'Authorization: Bearer " + fleet.apiToken() + "' " + fleet.producerUrl() + "/api/runs");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
    stopped.await();
  }

  /** Deletes a finished demo's temporary state; what cannot be deleted is reported, not thrown. */
  private void deleteQuietly(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      out.println("  could not delete the demo's temporary state in " + directory + ": " + e.getMessage());
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
