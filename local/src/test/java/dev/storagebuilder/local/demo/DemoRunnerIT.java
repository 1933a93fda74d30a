package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.fleet.FleetJars;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code ./sb demo} end to end on the smallest data: what it leaves behind. */
class DemoRunnerIT {
  private static final Pattern LOGS = Pattern.compile("logs in (\\S+)");
  private static final DemoOptions SMALLEST = new DemoOptions(0.0005, 1, 5, SyncMode.FULL, false, null, null, false);

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // a safety net for a hang, not the budget
  void aSuccessfulDemoWithoutAStateDirectoryDeletesItsTemporaryState() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    RunSummary summary =
        new DemoRunner(SMALLEST, new PrintStream(printed, true, StandardCharsets.UTF_8), FleetJars.home()).run();

    String output = printed.toString(StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(summary.ok()).isTrue();
    Matcher logs = LOGS.matcher(output);
    assertThat(logs.find()).as("the demo says where its logs are").isTrue();
    Path stateDir = Path.of(logs.group(1)).getParent();
    assertThat(stateDir.getFileName().toString()).startsWith("sb-demo-");
    assertThat(stateDir).doesNotExist();
  }
}
