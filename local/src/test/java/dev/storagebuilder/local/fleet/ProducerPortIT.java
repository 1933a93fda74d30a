package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's producer binds a free port itself and the fleet learns which: a port the fleet
 * picked, closed and handed over could be taken by another process before the producer bound it,
 * and the producer then failed at start (or the fleet talked to whoever held the port).
 */
class ProducerPortIT {
  @TempDir Path stateDir;

  @Test
  void theProducerBindsAPortOfItsOwnAndTheFleetTalksToThePortItBound() throws Exception {
    // left by an earlier fleet on the same state directory: its producer is gone
    Files.writeString(stateDir.resolve(LocalFleet.PRODUCER_PORT_FILE), "1\n");
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      FleetOptions options =
          new FleetOptions(stateDir, 0, 1, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()), Map.of());
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home())) {
        assertThat(fleet.producer().command()).contains("-Dmicronaut.server.port=0");
        int port = fleet.producerUrl().getPort();
        assertThat(listeningPorts(fleet.producer().pid().orElseThrow())).contains(port);
        JsonNode runs = new ProducerClient(fleet.producerUrl(), fleet.apiToken()).get("/api/runs");
        assertThat(runs.path("runs").isArray()).as("%s", runs).isTrue();

        // Started again (the bench measures the producer's start so), it binds a port anew.
        fleet.producer().stop(10);
        fleet.startProducerAgain();
        int again = fleet.producerUrl().getPort();
        assertThat(listeningPorts(fleet.producer().pid().orElseThrow())).contains(again);
        assertThat(new ProducerClient(fleet.producerUrl(), fleet.apiToken()).get("/api/runs").path("runs").isArray())
            .isTrue();
      }
    }
  }

  @Test
  void aPortFileNotYetWrittenIsNoPortAndOneWithoutAPortIsAnError() throws Exception {
    Path portFile = stateDir.resolve(LocalFleet.PRODUCER_PORT_FILE);
    assertThat(LocalFleet.boundPort(portFile)).isEmpty();

    Files.writeString(portFile, "41234\n");
    assertThat(LocalFleet.boundPort(portFile)).isEqualTo(OptionalInt.of(41234));

    for (String text : List.of("", "0", "http", "70000")) {
      Files.writeString(portFile, text);
      assertThatThrownBy(() -> LocalFleet.boundPort(portFile)).as(text)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds no port: '" + text + "'");
    }
  }

  /** The TCP ports a process listens on, from Linux's socket tables: what it bound, not what it says. */
  private static Set<Integer> listeningPorts(long pid) throws IOException {
    Set<String> sockets = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            sockets.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // a descriptor closed while we listed them
        }
      }
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      List<String> rows = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table));
      for (String row : rows.subList(1, rows.size())) {
        String[] fields = row.strip().split("\\s+");
        // local_address is ADDRESS:PORT in hex, st 0A is LISTEN, inode is the tenth field
        if (fields[3].equals("0A") && sockets.contains(fields[9])) {
          ports.add(Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
