package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code ./sb snapshot cat} rejects before it opens any state. */
class SnapshotCommandTest {
  @TempDir Path dir;

  @Test
  void anUnknownFormatIsRejectedWithTheOptionNameAndTheChoices() {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("snapshot", "cat", "--state-dir", dir.toString(), "--client", "c", "--target", "t",
        "--format", "xml");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("sb: --format must be csv or jsonl, got 'xml'");
  }
}
