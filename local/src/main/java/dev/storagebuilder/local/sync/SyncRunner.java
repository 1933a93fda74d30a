package dev.storagebuilder.local.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.Progress;
import dev.storagebuilder.local.demo.RunSummary;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./sb sync}: the fleet on the embedded stack with its state under a directory, against the
 * user's database and targets; one run, waited for, verified, summarized. The next sync against the
 * same directory continues from the committed versions (incremental by default).
 */
public final class SyncRunner {
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration RUN_TIMEOUT = Duration.ofHours(2);

  /** What to sync. {@code clients} empty = every client. */
  public record Options(
      Path config, Path stateDir, SyncMode mode, List<String> clients, Path summaryFile, int workers) {
    /** The most worker processes one machine's fleet starts (as {@link FleetOptions} allows). */
    public static final int MAX_WORKERS = 32;

    public Options {
      // The fleet accepts 0 workers (tests add them later); a sync with none would wait out
      // RUN_TIMEOUT for a run nobody works on.
      if (workers < 1 || workers > MAX_WORKERS) {
        throw new IllegalArgumentException("--workers must be 1.." + MAX_WORKERS + ", got " + workers);
      }
      clients = List.copyOf(clients);
    }
  }

  /** The run's summary plus the slowest target's receive-to-commit time. */
  public record Result(RunSummary summary, long slowestTargetMillis, JsonNode targets) {}

  private final Options options;
  private final PrintStream out;
  private final Path home;

  public SyncRunner(Options options, PrintStream out, Path home) {
    this.options = options;
    this.out = out;
    this.home = home;
  }

  public Result run() throws IOException, SQLException {
    Path config = options.config().toAbsolutePath();
    SourceConfig source = SourceConfigLoader.load(config, System.getenv());
    UrlDataSource dataSource = new UrlDataSource(source.jdbcUrl(), source.username(), source.password());
    List<String> clients = options.clients().isEmpty() ? clients(dataSource, source) : options.clients();
    FleetOptions fleetOptions =
        new FleetOptions(options.stateDir().toAbsolutePath(), options.workers(), FleetOptions.DEFAULT_WORKER_CONCURRENCY,
            FleetOptions.DEFAULT_WORKER_HEAP_MB, Map.of("storage-builder.source.config-file", config.toString()), Map.of());
    out.println("Starting the embedded AWS stack (state in " + options.stateDir() + "), the producer and "
        + options.workers() + " worker(s)...");
    try (LocalFleet fleet = LocalFleet.start(fleetOptions, home)) {
      ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
      JsonNode scope;
      if (options.clients().isEmpty()) {
        scope = TextNode.valueOf("all");
      } else {
        ObjectNode object = Json.mapper().createObjectNode();
        options.clients().forEach(object.putArray("clients")::add);
        scope = object;
      }
      long runStart = System.nanoTime();
      JsonNode started = producer.startRun(scope, options.mode().wireName());
      String runId = started.path("runId").asText();
      out.printf("Run %s: %d targets enqueued (%s)%n", runId, started.path("enqueued").asInt(), options.mode().wireName());
      Progress progress = new Progress(out, System.console() != null);
      JsonNode run = progress.follow(producer, runId, runStart, POLL, RUN_TIMEOUT, () -> {
        fleet.sampleMemory();
        fleet.requireRunning();
      });
      double runSeconds = seconds(runStart);
      JsonNode targets = producer.get("/api/runs/" + runId + "/targets").path("targets");
      long slowest = 0;
      for (JsonNode target : targets) {
        slowest = Math.max(slowest, target.path("durationMillis").asLong());
      }
      long peakRssMb = fleet.workers().stream().mapToLong(FleetProcess::peakRssKb).max().orElse(0) / 1024;

      out.println("Verifying every snapshot against the source...");
      List<TargetVerification> results;
      try (AwsClients aws = new AwsClients(fleet.aws())) {
        SnapshotVerifier verifier =
            new SnapshotVerifier(dataSource, source, new DynamoVersionLedger(aws.dynamo(), fleet.aws().versionsTable()),
                new S3ObjectStore(aws.s3(), fleet.aws().bucket()));
        results = verifier.verifyAll(clients);
      }
      long matching = results.stream().filter(TargetVerification::matches).count();
      results.stream().filter(r -> !r.matches()).limit(10).forEach(r -> out.println("  MISMATCH " + r.target() + ": " + r.problem()));
      JsonNode counts = run.path("counts");
      RunSummary summary =
          new RunSummary(runId, options.mode().wireName(), run.path("total").asInt(), counts.path("succeeded").asInt(),
              counts.path("failed").asInt(), counts.path("deadLettered").asInt(), run.path("rows").asLong(),
              run.path("bytes").asLong(), runSeconds, options.workers(), matching == results.size() && !results.isEmpty(),
              (int) matching, peakRssMb);
      summary.print(out);
      out.printf("  slowest target %.3f s receive-to-commit%n", slowest / 1000.0);
      if (options.summaryFile() != null) {
        ObjectNode json = summary.toJson();
        json.put("slowestTargetSeconds", slowest / 1000.0);
        Files.writeString(options.summaryFile(), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        out.println("  summary       " + options.summaryFile());
      }
      return new Result(summary, slowest, targets);
    }
  }

  static List<String> clients(UrlDataSource dataSource, SourceConfig source) throws SQLException {
    List<String> clients = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(source.clientsQuery())) {
      while (rows.next()) {
        clients.add(rows.getString(1));
      }
    }
    return clients;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
