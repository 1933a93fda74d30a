package dev.storagebuilder.local.cli;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.local.sync.LocalState;
import dev.storagebuilder.local.sync.SnapshotPrinter;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Reads snapshots a sync left under --state-dir.",
    subcommands = {SnapshotCommand.Cat.class})
final class SnapshotCommand {
  @Command(
      name = "cat",
      mixinStandardHelpOptions = true,
      description = {
        "Prints a target's current state (base + deltas applied), columns in declaration order;",
        "CSV as PostgreSQL's COPY ... (FORMAT csv) writes the same values, so you can diff it with psql \\copy."
      })
  static final class Cat implements Callable<Integer> {
    @Option(names = "--state-dir", required = true, paramLabel = "DIR")
    Path stateDir;

    @Option(names = "--client", required = true)
    String client;

    @Option(names = "--target", required = true)
    String target;

    @Option(names = "--format", description = "csv or jsonl. Default: ${DEFAULT-VALUE}")
    String format = "csv";

    @Override
    public Integer call() throws Exception {
      SnapshotPrinter.Format chosen;
      try {
        chosen = SnapshotPrinter.Format.valueOf(format.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // valueOf's own message names a Java class, not the option
        throw new IllegalArgumentException("--format must be csv or jsonl, got '" + format + "'");
      }
      // Straight to file descriptor 1, not through System.out, which would hide a closed pipe.
      PrintStream out =
          new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
      try (LocalState state = LocalState.open(stateDir)) {
        SnapshotPrinter.print(state.versions(), state.store(), new TargetRef(client, target), chosen, out);
      }
      out.flush();
      return 0;
    }
  }
}
