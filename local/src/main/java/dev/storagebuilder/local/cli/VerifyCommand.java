package dev.storagebuilder.local.cli;

import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.local.sync.LocalState;
import dev.storagebuilder.local.sync.SnapshotDiff;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Compares every snapshot under --state-dir with the source declared in --config: row counts and",
      "content checksums; --deep compares row by row and prints the first differences."
    })
final class VerifyCommand implements Callable<Integer> {
  @Option(names = "--state-dir", required = true, paramLabel = "DIR")
  Path stateDir;

  @Option(names = "--config", required = true, paramLabel = "FILE")
  Path config;

  @Option(names = "--client")
  String client;

  @Option(names = "--target")
  String target;

  @Option(names = "--deep", description = "compare row by row (holds one target's rows in memory)")
  boolean deep;

  @Override
  public Integer call() throws Exception {
    SourceConfig source = SourceConfigLoader.load(config, System.getenv());
    try (LocalState state = LocalState.open(stateDir)) {
      SnapshotDiff diff = new SnapshotDiff(source, state.versions(), state.store(), System.out);
      return diff.verify(client, target, deep) ? 0 : 1;
    }
  }
}
