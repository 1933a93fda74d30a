package dev.storagebuilder.local.cli;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.fleet.FleetJars;
import dev.storagebuilder.local.sync.SyncRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = {
      "Syncs your database's targets (declared in --config) into S3 and DynamoDB emulated under --state-dir,",
      "then verifies every snapshot. Run it again: it continues incrementally from the committed versions."
    })
final class SyncCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "source and target declarations (JSON)")
  Path config;

  @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "where S3 objects and DynamoDB tables persist")
  Path stateDir;

  @Option(names = "--mode", description = "full or incremental. Default: ${DEFAULT-VALUE}")
  String mode = "incremental";

  @Option(names = "--clients", split = ",", paramLabel = "a,b", description = "only these clients (default: all)")
  List<String> clients = new ArrayList<>();

  @Option(names = "--workers", description = "worker processes. Default: ${DEFAULT-VALUE}")
  int workers = 1;

  @Option(names = "--summary", paramLabel = "FILE", description = "also write the summary as JSON to FILE")
  Path summary;

  @Override
  public Integer call() throws Exception {
    OutputFiles.requireWritable("--summary", summary);
    SyncRunner.Options options =
        new SyncRunner.Options(config, stateDir, SyncMode.fromWire(mode), clients, summary, workers);
    return new SyncRunner(options, System.out, FleetJars.home()).run().summary().ok() ? 0 : 1;
  }
}
