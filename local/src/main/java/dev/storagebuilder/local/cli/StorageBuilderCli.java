package dev.storagebuilder.local.cli;

import dev.storagebuilder.emulators.EmbeddedAwsStack;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./sb}: every user-facing command of Storage Builder. */
@Command(
    name = "sb",
    mixinStandardHelpOptions = true,
    version = "Storage Builder 0.1.0",
    description = "Rebuilds per-tenant snapshots of a relational database into S3 with a queue-driven worker fleet.",
    subcommands = {
      DemoCommand.class, SyncCommand.class, SnapshotCommand.class, VerifyCommand.class, UpdateAllCommand.class,
      UpdateCommand.class, RunsCommand.class, RunCommand.class, DlqCommand.class, TargetsCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Also: ./sb test (the whole test suite), ./sb build (rebuild the jars),",
      "      ./sb bench [--quick] [--json FILE] [--only SCENARIO,...] (benchmarks against PostgreSQL)."
    })
public final class StorageBuilderCli {
  private StorageBuilderCli() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new StorageBuilderCli());
    commandLine.setExecutionExceptionHandler(
        (error, command, parseResult) -> {
          // One clear line for a user error; the stack trace only when asked for.
          command.getErr().println("sb: " + describe(error));
          if (Boolean.getBoolean("sb.debug")) {
            error.printStackTrace(command.getErr());
          }
          return 2;
        });
    commandLine.setParameterExceptionHandler(
        (error, args) -> {
          // One line, not picocli's default of the message followed by the whole usage help, which
          // pushed the message itself out of sight: the help is one --help away.
          CommandLine command = error.getCommandLine();
          String name = command.getCommandSpec().qualifiedName();
          command.getErr().println(name + ": " + error.getMessage() + " (./" + name + " --help lists the options)");
          command.getErr().flush();
          return command.getCommandSpec().exitCodeOnInvalidInput();
        });
    return commandLine;
  }

  /**
   * A path denied or in the way with its reason: the JDK's messages for them are the bare path, so
   * "sb: /data/state/source" said where but not why.
   */
  static String describe(Exception error) {
    if (error instanceof IOException io) {
      return EmbeddedAwsStack.describe(io);
    }
    return error.getMessage() == null ? error.toString() : error.getMessage();
  }
}
