package dev.storagebuilder.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.producer.testing.ProducerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local fleet starts the producer on port 0 and learns the port it bound from the file {@code
 * storage-builder.port-file} names: a port the fleet picked could be taken before the producer bound
 * it.
 */
class PortFileIT {
  @TempDir Path dir;

  @Test
  void aProducerOnPortZeroWritesThePortItBoundAndAnswersThere() throws Exception {
    Path portFile = dir.resolve("producer.port");
    try (ProducerFixture producer =
        new ProducerFixture("port-file", 1).with("micronaut.server.port", 0).with(PortFile.PROPERTY, portFile.toString())
            .start()) {
      int written = Integer.parseInt(Files.readString(portFile).strip());

      assertThat(written).isPositive().isEqualTo(producer.uri("").getPort());
      assertThat(producer.get("/api/runs").status()).isEqualTo(200);
      assertThat(dir.resolve("producer.port.partial")).doesNotExist();
    }
  }

  @Test
  void aPortFileReplacesOneLeftByAnEarlierStart() throws Exception {
    Path portFile = dir.resolve("producer.port");
    Files.writeString(portFile, "1\n");

    PortFile.write(portFile, 43123);

    assertThat(Files.readString(portFile)).isEqualTo("43123\n");
  }

  @Test
  void anUnsetOrBlankPortFileWritesNothing() {
    assertThat(PortFile.validated(Optional.empty())).isEmpty();
    assertThat(PortFile.validated(Optional.of("  "))).isEmpty();
  }

  @Test
  void aPortFileOutsideAnExistingDirectoryOrOnADirectoryIsRefused() {
    assertThatThrownBy(() -> PortFile.validated(Optional.of(dir.resolve("missing/producer.port").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("storage-builder.port-file (STORAGE_BUILDER_PORT_FILE) must name a file in an existing directory,"
            + " got '" + dir.resolve("missing/producer.port") + "'");
    assertThatThrownBy(() -> PortFile.validated(Optional.of(dir.toString())))
        .hasMessage("storage-builder.port-file (STORAGE_BUILDER_PORT_FILE) must name a file, not a directory, got '"
            + dir + "'");
  }
}
