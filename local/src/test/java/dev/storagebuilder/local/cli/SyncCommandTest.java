package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code ./sb sync} rejects before it starts anything. */
class SyncCommandTest {
  @TempDir Path dir;

  private String rejected(String... args) {
    CommandLine cli = StorageBuilderCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).isEqualTo(2);
    return err.toString();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // accepted, zero workers waited hours for the run
  void zeroOrNegativeWorkersAreRejectedWithTheOptionNameBeforeAnythingStarts() throws Exception {
    Path config = dir.resolve("source.json");
    Files.writeString(config, """
        {"jdbcUrl": "jdbc:h2:mem:sync-test", "clientsQuery": "SELECT 'alpha'",
         "targets": [{"name": "items", "table": "items", "clientColumn": "client_id", "keyColumns": ["id"],
                      "versionColumn": "version",
                      "columns": [{"name": "id", "type": "INT64", "nullable": false},
                                  {"name": "version", "type": "INT64", "nullable": false}]}]}
        """);
    Path state = dir.resolve("state");

    for (String workers : new String[] {"0", "-1", "33"}) {
      assertThat(rejected("sync", "--config", config.toString(), "--state-dir", state.toString(), "--workers", workers))
          .contains("--workers must be 1..32, got " + workers);
    }
    assertThat(state).doesNotExist();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aSummaryFileInADirectoryThatDoesNotExistIsRejectedBeforeAnythingStarts() throws Exception {
    Path config = dir.resolve("source.json");
    Files.writeString(config, "{}");
    Path summary = dir.resolve("missing").resolve("summary.json");
    Path state = dir.resolve("state");

    assertThat(rejected("sync", "--config", config.toString(), "--state-dir", state.toString(), "--summary",
        summary.toString()))
        .contains("--summary " + summary + ": directory " + summary.getParent() + " does not exist");
    assertThat(state).doesNotExist();
  }
}
