package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code ./sb bench} refuses before it benchmarks anything. */
class BenchMainTest {
  private static String rejected(String... args) {
    CommandLine cli = new CommandLine(new BenchMain());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code; stderr: %s", err).isEqualTo(2);
    return err.toString();
  }

  @Test
  void anUnknownScenarioIsRefusedNotSkipped() {
    assertThat(rejected("--only", "exprot"))
        .contains("--only must name export, update-all or enqueue, got 'exprot'");
  }

  @Test
  void aScenarioThatFailedMakesTheBenchExitNonZero() {
    CommandLine cli = new CommandLine(new BenchMain());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    // nothing listens on port 1: the export cannot even create its schema
    int exit = cli.execute("--only", "export", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/test");
    assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(1);
    assertThat(err.toString()).contains("bench: scenario export failed");
  }
}
