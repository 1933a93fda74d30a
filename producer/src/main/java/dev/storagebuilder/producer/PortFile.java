package dev.storagebuilder.producer;

import dev.storagebuilder.common.config.KnownSettings;
import dev.storagebuilder.common.config.SettingRefusedException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Writes the port the HTTP server bound to the file {@value #PROPERTY} names, once it listens. The
 * local fleet starts the producer on port 0 and reads the port here: a free port it picked and
 * handed over could be taken by another process in the seconds before the producer bound it, which
 * then failed at start (or the fleet talked to whoever held the port). Nothing sets it in a
 * deployment, where the port is fixed.
 */
@Context
final class PortFile implements ApplicationEventListener<ServerStartupEvent> {
  static final String PROPERTY = KnownSettings.PREFIX + "port-file";

  private final Optional<Path> file;

  PortFile(Environment environment) {
    // @Context: a bad path stops the start with one line, before the server binds
    this.file = validated(environment.getProperty(PROPERTY, String.class));
  }

  /** The file a value names; empty when unset or blank (blank values count as unset). */
  static Optional<Path> validated(Optional<String> value) {
    Optional<String> text = value.map(String::strip).filter(v -> !v.isEmpty());
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Path path;
    try {
      path = Path.of(text.get()).toAbsolutePath();
    } catch (InvalidPathException e) {
      throw refusal(text.get(), "a file path");
    }
    if (path.getParent() == null || !Files.isDirectory(path.getParent())) {
      throw refusal(text.get(), "a file in an existing directory");
    }
    if (Files.isDirectory(path)) {
      throw refusal(text.get(), "a file, not a directory");
    }
    return Optional.of(path);
  }

  private static SettingRefusedException refusal(String value, String what) {
    return new SettingRefusedException(KnownSettings.describe(PROPERTY) + " must name " + what + ", got '" + value + "'");
  }

  @Override
  public void onApplicationEvent(ServerStartupEvent event) {
    file.ifPresent(path -> write(path, event.getSource().getPort()));
  }

  /**
   * Written aside and moved into place, so that a reader polling for the file never sees it empty
   * or half written.
   */
  static void write(Path file, int port) {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try {
      Files.writeString(partial, port + "\n", StandardCharsets.US_ASCII);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bound port to " + file, e);
    }
  }
}
