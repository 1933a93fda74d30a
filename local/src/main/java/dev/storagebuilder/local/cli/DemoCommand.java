package dev.storagebuilder.local.cli;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.chaos.ChaosSettings;
import dev.storagebuilder.local.demo.DemoOptions;
import dev.storagebuilder.local.demo.DemoRunner;
import dev.storagebuilder.local.demo.RunSummary;
import dev.storagebuilder.local.fleet.FleetJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a tenant database, starts the embedded AWS stack, the producer and the workers,",
      "runs an update-all over HTTP with live progress, verifies every snapshot against the source",
      "and prints a summary. Exits non-zero when anything failed or did not verify."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--scale", description = "data size; 1 is legacy-sized (~100 clients, ~1M rows in the largest target). Default: ${DEFAULT-VALUE}")
  double scale = DemoOptions.DEFAULT_SCALE;

  @Option(names = "--workers", description = "worker processes. Default: ${DEFAULT-VALUE}")
  int workers = 2;

  @Option(names = "--mode", description = "full or incremental. Default: ${DEFAULT-VALUE}")
  String mode = "full";

  @Option(names = "--seed", description = "seed of the generated data. Default: ${DEFAULT-VALUE}")
  long seed = DemoOptions.DEFAULT_SEED;

  @Option(names = "--summary", paramLabel = "FILE", description = "also write the summary as JSON to FILE")
  Path summary;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "keep the stack's state here (default: a temporary directory, deleted after a demo that succeeded)")
  Path stateDir;

  @Option(names = "--scenario", description = "update-all, or incremental (full run, change burst, incremental run). Default: ${DEFAULT-VALUE}")
  String scenario = "update-all";

  @Option(names = "--changes", description = "changes the incremental scenario applies (3 or more). Default: ${DEFAULT-VALUE}")
  int changes = 100;

  @Option(names = "--keep-running", description = "leave the stack up after the run and print its endpoints")
  boolean keepRunning;

  @Option(
      names = "--token",
      defaultValue = "${env:STORAGE_BUILDER_TOKEN}",
      description = "the producer's API token (default: STORAGE_BUILDER_TOKEN, else a generated one, printed)")
  String token;

  @Option(names = "--chaos", description = "during the run: SIGKILL and restart workers, S3 503s, cut the source off, duplicate messages")
  boolean chaos;

  @Option(names = "--chaos-db-outage", paramLabel = "SECONDS", description = "with --chaos: how long the source is unreachable. Default: ${DEFAULT-VALUE}")
  int chaosDbOutageSeconds = (int) ChaosSettings.DEFAULT_DB_OUTAGE.toSeconds();

  @Option(names = "--chaos-s3-fault", paramLabel = "SECONDS", description = "with --chaos: how long S3 answers 503 (1..10). Default: ${DEFAULT-VALUE}")
  int chaosS3FaultSeconds = (int) ChaosSettings.DEFAULT_S3_FAULT.toSeconds();

  @Option(names = "--chaos-duplicates", description = "with --chaos: duplicate messages sent. Default: ${DEFAULT-VALUE}")
  int chaosDuplicates = ChaosSettings.DEFAULT_DUPLICATES;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!chaos) {
      // taken silently, they asked for an outage the demo never made
      List<String> given =
          Stream.of("--chaos-db-outage", "--chaos-duplicates", "--chaos-s3-fault")
              .filter(spec.commandLine().getParseResult()::hasMatchedOption)
              .toList();
      if (!given.isEmpty()) {
        throw new IllegalArgumentException(
            String.join(", ", given) + (given.size() == 1 ? " only applies" : " only apply") + " with --chaos");
      }
    }
    ChaosSettings chaosSettings =
        new ChaosSettings(Duration.ofSeconds(chaosDbOutageSeconds), Duration.ofSeconds(chaosS3FaultSeconds), chaosDuplicates);
    DemoOptions options =
        new DemoOptions(scale, workers, seed, SyncMode.fromWire(mode), keepRunning, stateDir, summary, chaos, chaosSettings);
    int burst = switch (scenario) {
      case "update-all" -> {
        if (spec.commandLine().getParseResult().hasMatchedOption("--changes")) {
          throw new IllegalArgumentException("--changes only applies with --scenario incremental");
        }
        yield 0;
      }
      case "incremental" -> {
        // it runs full, then incremental, and never plays chaos: taken silently, both were ignored
        if (chaos) {
          throw new IllegalArgumentException("--chaos only applies with --scenario update-all");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--mode")) {
          throw new IllegalArgumentException(
              "--mode only applies with --scenario update-all (the incremental scenario runs full, then incremental)");
        }
        // the burst's first transaction commits after later ones: fewer would be raised silently
        if (changes < 3) {
          throw new IllegalArgumentException(
              "--changes must be at least 3 (a held transaction and later ones), got " + changes);
        }
        yield changes;
      }
      default -> throw new IllegalArgumentException("--scenario must be update-all or incremental, got '" + scenario + "'");
    };
    OutputFiles.requireWritable("--summary", summary);
    RunSummary result = new DemoRunner(options, System.out, FleetJars.home(), burst).withApiToken(token).run();
    return result.ok() ? 0 : 1;
  }
}
