package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A mistyped command line: one line that says what is wrong and where help is, exit 2. */
class CliArgumentsTest {
  private static String rejected(String... args) {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    return err.toString();
  }

  /** ./sb help lists what the script runs itself, bench included (the README's Performance section runs it). */
  @Test
  void theHelpNamesTheScriptsOwnCommandsBenchIncluded() {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("help")).isZero();
    assertThat(out.toString()).contains("./sb test").contains("./sb build").contains("./sb bench [--quick] [--json FILE]");
  }

  @Test
  void anUnknownOptionIsOneLineNamingItAndTheCommandsHelp() {
    assertThat(rejected("demo", "--bogus"))
        .isEqualTo("sb demo: Unknown option: '--bogus' (./sb demo --help lists the options)" + System.lineSeparator());
  }

  @Test
  void aValueThatIsNoNumberIsOneLine() {
    assertThat(rejected("demo", "--workers", "abc"))
        .isEqualTo("sb demo: Invalid value for option '--workers': 'abc' is not an int (./sb demo --help lists the options)"
            + System.lineSeparator());
  }

  @Test
  void aMissingValueOrParameterIsOneLine() {
    assertThat(rejected("dlq", "list", "--limit")).hasLineCount(1).startsWith("sb dlq list: Missing required parameter for option '--limit'");
    assertThat(rejected("run")).hasLineCount(1).startsWith("sb run: Missing required parameter: 'RUN_ID'");
  }

  @Test
  void anUnknownCommandIsOneLine() {
    assertThat(rejected("bogus")).hasLineCount(1).startsWith("sb: Unmatched argument at index 0: 'bogus'").contains("./sb --help");
  }

  @Test
  void aRunIdThatIsNoRunIdIsRefusedBeforeAnyRequest() {
    // Put into the URL path as it was, "../dlq/stats" fetched the DLQ stats and printed them as a run.
    assertThat(rejected("run", "../dlq/stats", "--url", "http://127.0.0.1:9"))
        .hasLineCount(1)
        .startsWith("sb run: RUN_ID: runId must be");
  }
}
