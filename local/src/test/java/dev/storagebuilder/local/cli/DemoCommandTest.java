package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code ./sb demo} rejects before it starts anything. */
class DemoCommandTest {
  private static String rejected(String... args) {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).isEqualTo(2);
    return err.toString();
  }

  @Test
  void aSummaryFileInADirectoryThatDoesNotExistIsRejectedBeforeTheDemoStarts(@TempDir Path dir) {
    Path summary = dir.resolve("missing").resolve("summary.json");
    Path state = dir.resolve("state");

    assertThat(rejected("demo", "--scale", "0.0005", "--summary", summary.toString(), "--state-dir", state.toString()))
        .contains("--summary " + summary + ": directory " + summary.getParent() + " does not exist");
    assertThat(rejected("demo", "--scale", "0.0005", "--summary", dir.toString(), "--state-dir", state.toString()))
        .contains("--summary " + dir + " is a directory");
    assertThat(state).as("nothing started").doesNotExist();
  }

  @Test
  void anIncrementalScenarioOfFewerThanThreeChangesIsRejectedNotRaisedToThree(@TempDir Path dir) throws Exception {
    // a state directory no demo can create: were the option taken, the demo would fail at once on it
    Path state = java.nio.file.Files.createFile(dir.resolve("file")).resolve("state");
    assertThat(rejected("demo", "--scenario", "incremental", "--changes", "-5", "--state-dir", state.toString()))
        .contains("--changes must be at least 3 (a held transaction and later ones), got -5");
    assertThat(rejected("demo", "--scenario", "incremental", "--changes", "2", "--state-dir", state.toString()))
        .contains("--changes must be at least 3 (a held transaction and later ones), got 2");
  }

  @Test
  void changesWithoutTheIncrementalScenarioAreRejectedNotIgnored(@TempDir Path dir) throws Exception {
    Path state = java.nio.file.Files.createFile(dir.resolve("file")).resolve("state");
    assertThat(rejected("demo", "--changes", "500", "--state-dir", state.toString()))
        .contains("--changes only applies with --scenario incremental");
  }

  @Test
  void aChaosSettingWithoutChaosIsRejectedNotIgnored(@TempDir Path dir) throws Exception {
    // a state directory no demo can create: were the option taken, the demo would fail at once on it
    Path state = java.nio.file.Files.createFile(dir.resolve("file")).resolve("state");
    assertThat(rejected("demo", "--chaos-db-outage", "5", "--state-dir", state.toString()))
        .contains("--chaos-db-outage only applies with --chaos");
    assertThat(rejected("demo", "--chaos-duplicates", "0", "--chaos-s3-fault", "2", "--state-dir", state.toString()))
        .contains("--chaos-duplicates, --chaos-s3-fault only apply with --chaos");
  }

  /** The incremental scenario runs a full and then an incremental run, without chaos: both were taken silently. */
  @Test
  void chaosOrAModeWithTheIncrementalScenarioIsRejectedNotIgnored(@TempDir Path dir) throws Exception {
    Path state = java.nio.file.Files.createFile(dir.resolve("file")).resolve("state");
    assertThat(rejected("demo", "--scenario", "incremental", "--chaos", "--state-dir", state.toString()))
        .contains("--chaos only applies with --scenario update-all");
    assertThat(rejected("demo", "--scenario", "incremental", "--mode", "incremental", "--state-dir", state.toString()))
        .contains("--mode only applies with --scenario update-all (the incremental scenario runs full, then incremental)");
  }

  @Test
  void aStateDirectoryTheDemoCannotWriteIsReportedWithTheReasonNotTheBarePath(@TempDir Path dir)
      throws Exception {
    Path state = java.nio.file.Files.createDirectories(dir.resolve("state"));
    Path blocked = java.nio.file.Files.createFile(state.resolve("source"));

    // the JDK's message for a path in the way (or one denied) is the path alone: "sb: /…/source"
    assertThat(rejected("demo", "--scale", "0.0005", "--state-dir", state.toString()))
        .contains("sb: " + blocked + ": exists and is not a directory");
  }

  @Test
  void chaosOutagesOutsideTheirBoundsAreRejectedWithTheOptionName() {
    assertThat(rejected("demo", "--chaos", "--chaos-s3-fault", "30"))
        .contains("--chaos-s3-fault must be 1..10 seconds, got 30");
    assertThat(rejected("demo", "--chaos", "--chaos-db-outage", "0"))
        .contains("--chaos-db-outage must be 1..300 seconds, got 0");
    assertThat(rejected("demo", "--chaos", "--chaos-duplicates", "-1"))
        .contains("--chaos-duplicates must be 0..1000, got -1");
  }
}
