package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping the fleet (the end of a demo, Ctrl-C) with processes that take a while to drain. */
class FleetCloseIT {
  @TempDir Path stateDir;
  @TempDir Path home;

  @Test
  void closingTheFleetStopsItsProcessesTogetherNotOneAfterAnother() throws Exception {
    // a "checkout" whose producer and worker jars are SlowToStopProcess
    jarOf(SlowToStopProcess.class, home.resolve("producer/target/producer-0.1.0-SNAPSHOT.jar"));
    jarOf(SlowToStopProcess.class, home.resolve("worker/target/worker-0.1.0-SNAPSHOT.jar"));
    int workers = 4;
    LocalFleet fleet =
        LocalFleet.start(new FleetOptions(stateDir, workers, 1, FleetOptions.DEFAULT_WORKER_HEAP_MB, Map.of(), Map.of()), home);

    long started = System.nanoTime();
    fleet.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(fleet.workers()).noneMatch(FleetProcess::isAlive);
    assertThat(fleet.producer().isAlive()).isFalse();
    // one after another: (workers + producer) x DRAIN = 20 s; together about one DRAIN
    assertThat(took).as("close took %s", took).isLessThan(SlowToStopProcess.DRAIN.multipliedBy(2).plusSeconds(2));
  }

  private static void jarOf(Class<?> main, Path jar) throws Exception {
    Files.createDirectories(jar.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
    Path classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI());
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // the manifest is the whole jar: the class comes from the test classes
    }
  }
}
