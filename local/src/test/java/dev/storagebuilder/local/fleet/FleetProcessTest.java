package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetProcessTest {
  @TempDir Path dir;

  /**
   * A fleet process that refused its configuration said why only in its log: the CLI reported "the
   * producer exited during startup; see ..." or, for workers, "every worker exited".
   */
  @Test
  void theRefusalLineOfAProcessLogIsWhatTheFleetReports() {
    List<String> log = List.of(
        "07:08:52.101 INFO  [main] d.s.w.a.WorkerFactory - starting",
        "07:08:53.192 ERROR [main] d.s.w.a.RefusalReportingMicronaut run= client= target= attempt= - worker refused its"
            + " configuration: storage-builder.worker.fetch-size (STORAGE_BUILDER_WORKER_FETCH_SIZE) must be 100..100000, got 1",
        "");

    assertThat(FleetProcess.refusalIn("worker-2", log))
        .contains("worker-2 refused its configuration: storage-builder.worker.fetch-size (STORAGE_BUILDER_WORKER_FETCH_SIZE)"
            + " must be 100..100000, got 1");
    assertThat(FleetProcess.refusalIn("worker-2", List.of("07:08:53 ERROR boom", "\tat x.y(Z.java:1)"))).isEmpty();
    assertThat(FleetProcess.refusalIn("producer", List.of(
            "{\"level\":\"ERROR\",\"formattedMessage\":\"producer refused its configuration: storage-builder.dlq.scan-wait"
                + " (STORAGE_BUILDER_DLQ_SCAN_WAIT) must be whole seconds\",\"mdc\": {}}")))
        .contains("producer refused its configuration: storage-builder.dlq.scan-wait (STORAGE_BUILDER_DLQ_SCAN_WAIT)"
            + " must be whole seconds");
  }

  @Test
  void theFleetsJarsGrantNativeAccessInTheirManifests() throws IOException {
    for (Path jar : List.of(FleetJars.worker(FleetJars.home()), FleetJars.producer(FleetJars.home()))) {
      try (JarFile file = new JarFile(jar.toFile())) {
        assertThat(file.getManifest().getMainAttributes().getValue("Enable-Native-Access"))
            .as(jar.toString())
            .isEqualTo("ALL-UNNAMED");
      }
    }
  }

  @Test
  void aWorkerJvmMapsTheClassDataArchiveItWroteWithoutAnError() throws Exception {
    FleetProcess worker = new FleetProcess("worker-1", FleetJars.worker(FleetJars.home()), 128,
        FleetProcess.WORKER_COLLECTOR, FleetProcess.WORKER_COMPILER, Map.of(), dir);
    // The worker's own flags, an archive of this test's, and -version in place of the jar.
    List<String> command = new ArrayList<>();
    for (String arg : worker.command()) {
      if (arg.equals("-jar")) {
        break;
      }
      command.add(arg.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=" + dir.resolve("t.jsa") : arg);
    }
    command.add("-version");

    String writing = run(command);
    String mapping = run(command);

    assertThat(dir.resolve("t.jsa")).exists();
    assertThat(writing).doesNotContain("[error]");
    assertThat(mapping).doesNotContain("[error]").doesNotContain("[warning]");
  }

  @Test
  void aProcessGivenItsOwnArchiveMapsThatOneAndLeavesTheArchiveBesideTheJarAlone() throws Exception {
    Path jar = Files.writeString(dir.resolve("app.jar"), "not really a jar");
    Path shared = Files.writeString(FleetProcess.sharedArchive(jar), "the test suite's archive");
    Files.setLastModifiedTime(shared, FileTime.from(Instant.now().minusSeconds(60)));
    Path own = Files.writeString(dir.resolve("own.jsa"), "an archive of an older build");
    Files.setLastModifiedTime(own, FileTime.from(Instant.now().minusSeconds(60)));

    FleetProcess process = new FleetProcess("worker-1", jar, own, 64, List.of(), List.of(), Map.of(), dir);
    process.start();
    process.stop(10);

    assertThat(process.command()).contains("-XX:SharedArchiveFile=" + own)
        .noneMatch(arg -> arg.equals("-XX:SharedArchiveFile=" + shared));
    assertThat(own).doesNotExist();
    assertThat(shared).hasContent("the test suite's archive");
  }

  @Test
  void startingAJarRebuiltSinceItsArchiveDropsTheArchiveSoTheNextCleanExitWritesAFreshOne() throws Exception {
    Path jar = Files.writeString(dir.resolve("app.jar"), "not really a jar");
    Path archive = Files.writeString(FleetProcess.sharedArchive(jar), "archive of an older build");
    Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(60)));
    FleetProcess rebuilt = new FleetProcess("worker-1", jar, 64, List.of(), List.of(), Map.of(), dir);
    rebuilt.start();
    rebuilt.stop(10);
    assertThat(archive).doesNotExist();

    Files.writeString(archive, "archive of this build");
    FleetProcess current = new FleetProcess("worker-2", jar, 64, List.of(), List.of(), Map.of(), dir);
    current.start();
    current.stop(10);
    assertThat(archive).hasContent("archive of this build");
  }

  private static String run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
