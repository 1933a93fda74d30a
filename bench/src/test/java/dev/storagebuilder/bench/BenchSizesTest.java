package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchSizesTest {
  @Test
  void theFullRunHasTheIssuesSizesAndThreeRounds() {
    BenchSizes full = BenchSizes.of(false);

    assertThat(full.exportRows()).isEqualTo(1_000_000);
    assertThat(full.largeRows()).isEqualTo(10_000_000);
    assertThat(full.demoScale()).isEqualTo(1.0);
    assertThat(full.enqueueTargets()).isEqualTo(10_000);
    assertThat(full.exportRounds()).isEqualTo(3);
  }

  @Test
  void optionsChangeOnlyWhatTheyName() {
    BenchMain main = parse("--quick", "--rounds", "5", "--large-rows", "200000");

    BenchSizes sizes = main.sizes();

    assertThat(sizes.exportRounds()).isEqualTo(5);
    assertThat(sizes.largeRows()).isEqualTo(200_000);
    assertThat(sizes).isEqualTo(BenchSizes.of(true).withExportRounds(5).withLargeRows(200_000));
    assertThat(sizes.exportRows()).isEqualTo(BenchSizes.of(true).exportRows());
  }

  @Test
  void aBadValueIsRefusedWithTheOptionNamedBeforeAnythingRuns() {
    assertRefused("--rounds must be 1..20, got 0", "--rounds", "0");
    assertRefused("--rounds must be 1..20, got 21", "--rounds", "21");
    assertRefused("--large-rows must be 1000..100000000, got 999", "--large-rows", "999");
  }

  private static BenchMain parse(String... args) {
    BenchMain main = new BenchMain();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  private static void assertRefused(String message, String... args) {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new BenchMain());
    command.setErr(new PrintWriter(err));

    int exit = command.execute(args);

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains(message);
  }
}
