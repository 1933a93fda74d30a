package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A JVM on the test's class path that runs {@code main} as the CLI would run a fleet: it gets the
 * state directory and a marker file, which it writes once its fleet is up. Its output goes to
 * {@code holder.log} in the state directory.
 */
final class LauncherProcess {
  private LauncherProcess() {}

  static Process start(Class<?> main, Path stateDir, Path marker) throws IOException {
    return new ProcessBuilder(
            ProcessHandle.current().info().command().orElse("java"),
            "-Dsb.home=" + FleetJars.home(),
            "-cp",
            System.getProperty("java.class.path"),
            main.getName(),
            stateDir.toString(),
            marker.toString())
        .redirectErrorStream(true)
        .redirectOutput(stateDir.resolve("holder.log").toFile())
        .start();
  }

  /** Waits for the marker; fails naming the log if the launcher died first. */
  static void awaitMarker(Process launcher, Path stateDir, Path marker) {
    await("the launcher's fleet is up")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Files.exists(marker) || !launcher.isAlive());
    assertThat(launcher.isAlive()).as("the launcher is running; its log: %s", stateDir.resolve("holder.log")).isTrue();
  }
}
