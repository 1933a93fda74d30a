package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.fleet.FleetJars;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code ./sb demo} end to end on the smallest data: how it ends and what it leaves behind. */
class DemoRunnerIT {
  private static final Pattern LOGS = Pattern.compile("logs in (\\S+)");
  private static final Pattern KEPT = Pattern.compile("state and logs kept in (\\S+)");
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

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void aDemoWhoseWorkersAllExitedFailsSoonAndKeepsItsStateForTheLogs() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    CompletableFuture<RunSummary> demo =
        CompletableFuture.supplyAsync(() -> {
          try {
            return new DemoRunner(SMALLEST, out, FleetJars.home()).run();
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });

    // Nothing restarts a worker that exits (an OutOfMemoryError exits it on purpose).
    await().atMost(Duration.ofMinutes(3)).until(() -> !workerProcesses().isEmpty());
    workerProcesses().forEach(ProcessHandle::destroyForcibly);

    ExecutionException failed = null;
    try {
      demo.get(2, TimeUnit.MINUTES); // without the check, the demo watched the run for RUN_TIMEOUT (2 h)
    } catch (ExecutionException e) {
      failed = e;
    }
    String output = printed.toString(StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(failed).as("the demo fails").isNotNull();
    assertThat(failed).rootCause().isInstanceOf(IllegalStateException.class).hasMessageContaining("every worker exited");
    Matcher kept = KEPT.matcher(output);
    assertThat(kept.find()).as("the demo says where its state and logs are").isTrue();
    Path stateDir = Path.of(kept.group(1));
    try {
      assertThat(stateDir.resolve("logs").resolve("worker-1.log")).exists();
    } finally {
      deleteRecursively(stateDir);
    }
  }

  private static List<ProcessHandle> workerProcesses() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("-Dstorage-builder.worker.id="))
        .toList();
  }

  private static void deleteRecursively(Path directory) throws Exception {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
