package dev.storagebuilder.local.fleet;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the producer and worker jars the build made, under the repository root. */
public final class FleetJars {
  private static final String VERSION = "0.1.0-SNAPSHOT";

  private FleetJars() {}

  /** The repository root: {@code -Dsb.home} (set by ./sb), else the nearest parent holding producer/ and worker/. */
  public static Path home() {
    String configured = System.getProperty("sb.home");
    if (configured != null) {
      return Path.of(configured);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("producer")) && Files.isDirectory(dir.resolve("worker"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("cannot find the Storage Builder checkout; run through ./sb or set -Dsb.home");
  }

  static Path producer(Path home) {
    return jar(home, "producer");
  }

  public static Path worker(Path home) {
    return jar(home, "worker");
  }

  private static Path jar(Path home, String module) {
    Path jar = home.resolve(module).resolve("target").resolve(module + "-" + VERSION + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with ./sb build (or mvn -DskipTests install)");
    }
    return jar;
  }
}
