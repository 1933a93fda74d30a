package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.emulators.EmulatorStartException;
import dev.storagebuilder.local.fleet.FleetJars;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aChaosDemoWhoseFleetCannotStartLeavesNothingListening(@TempDir Path stateDir) throws Exception {
    // the state directory's stack is taken (another sync or demo on it): the fleet fails to start
    try (EmbeddedAwsStack holder = EmbeddedAwsStack.builder().stateDir(stateDir.resolve("aws")).start()) {
      Set<Integer> before = listeningPortsOfThisJvm();
      DemoOptions chaos = new DemoOptions(0.0005, 1, 5, SyncMode.FULL, false, stateDir, null, true);
      ByteArrayOutputStream printed = new ByteArrayOutputStream();

      assertThatThrownBy(
              () -> new DemoRunner(chaos, new PrintStream(printed, true, StandardCharsets.UTF_8), FleetJars.home()).run())
          .isInstanceOf(EmulatorStartException.class)
          .hasMessageContaining("in use by another embedded stack");

      // the source's fault proxy was started before the fleet and closed only with it
      assertThat(listeningPortsOfThisJvm()).isEqualTo(before);
    }
  }

  /** TCP ports this JVM listens on: its socket descriptors matched against /proc/net/tcp. */
  private static Set<Integer> listeningPortsOfThisJvm() throws Exception {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (java.io.IOException closedMeanwhile) {
          // the descriptor of the listing itself, or one closed while listing
        }
      }
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      // Read once: the table is the whole machine's, and a socket closed between two reads made the
      // second shorter than the first (IndexOutOfBoundsException with other tests running beside).
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.trim().split("\\s+");
        boolean listening = fields[3].equals("0A");
        if (listening && inodes.contains(fields[9])) {
          String local = fields[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
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
