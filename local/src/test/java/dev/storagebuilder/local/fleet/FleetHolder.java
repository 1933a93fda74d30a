package dev.storagebuilder.local.fleet;

import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code ./sb demo} is to its fleet, in a JVM of its own that a test can SIGKILL: starts a
 * fleet of two workers over an H2 source, writes the pids of every process it started (one a line)
 * to the file given, then waits to be killed.
 */
final class FleetHolder {
  private FleetHolder() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Path.of(args[0]);
    Path pids = Path.of(args[1]);
    DemoSource source = DemoSource.start(stateDir.resolve("source"));
    source.load(new DemoDataGenerator(7, 0.0005));
    FleetOptions options =
        new FleetOptions(stateDir, 2, 1, FleetOptions.DEFAULT_WORKER_HEAP_MB,
            Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()), Map.of());
    LocalFleet.start(options, FleetJars.home());
    Path written = pids.resolveSibling(pids.getFileName() + ".tmp");
    Files.writeString(
        written,
        ProcessHandle.current().descendants().map(p -> Long.toString(p.pid())).collect(Collectors.joining("\n")));
    Files.move(written, pids, StandardCopyOption.ATOMIC_MOVE);
    Thread.currentThread().join();
  }
}
