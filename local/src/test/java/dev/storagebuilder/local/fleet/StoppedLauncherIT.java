package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C (or SIGTERM) of a CLI whose fleet is mid-run: its shutdown hooks stop the workers, which
 * drain (finish or release their targets) against the emulators, so those must still be up.
 */
class StoppedLauncherIT {
  @TempDir Path stateDir;

  @Test
  void aWorkerStoppingWithTheCliReleasesItsTargetsBeforeTheEmulatorsStop() throws Exception {
    Path started = stateDir.resolve("run-id");
    Process holder = LauncherProcess.start(BusyFleetHolder.class, stateDir, started);
    try {
      LauncherProcess.awaitMarker(holder, stateDir, started);
      Path workerLog = stateDir.resolve("logs").resolve("worker-1.log");
      await("worker-1 runs a target")
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.readString(workerLog).contains("target start"));

      holder.destroy(); // SIGTERM, as Ctrl-C
      assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();

      String worker = Files.readString(workerLog);
      assertThat(worker).as("worker-1's log:%n%s", worker).containsPattern("released [1-9]\\d* running targets");
      assertThat(worker).as("worker-1's log:%n%s", worker).doesNotContain("Unable to execute HTTP request");
    } finally {
      holder.destroyForcibly();
    }
  }
}
