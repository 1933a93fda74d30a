package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLI killed with SIGKILL runs no shutdown hook: the processes its fleet started must notice on
 * their own and exit, instead of polling an SQS that died with it until someone kills them by hand.
 */
class KilledLauncherIT {
  @TempDir Path stateDir;

  @Test
  void theProducerWorkersAndDynaliteExitWhenTheJvmThatStartedThemIsKilled() throws Exception {
    Path pids = stateDir.resolve("pids");
    Process holder = LauncherProcess.start(FleetHolder.class, stateDir, pids);
    List<Long> started = new ArrayList<>();
    try {
      LauncherProcess.awaitMarker(holder, stateDir, pids);
      Files.readAllLines(pids).stream().filter(l -> !l.isBlank()).map(Long::parseLong).forEach(started::add);
      assertThat(started).as("producer, two workers and dynalite").hasSizeGreaterThanOrEqualTo(4);

      holder.destroyForcibly().waitFor();

      await("every process the fleet started exited")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertThat(alive(started)).isEmpty());
    } finally {
      holder.destroyForcibly();
      started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private static List<String> alive(List<Long> pids) {
    return pids.stream()
        .flatMap(pid -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).stream())
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?").lines().findFirst().orElse(""))
        .map(line -> line.length() > 160 ? line.substring(0, 160) : line)
        .toList();
  }
}
