package dev.storagebuilder.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the deployment files live, found from the module directory Maven runs the tests in. */
final class Repository {
  static final Path ROOT = locate();

  private Repository() {}

  static Path terraform() {
    return ROOT.resolve("terraform");
  }

  static Path docker() {
    return ROOT.resolve("docker");
  }

  static Path deployChecks() {
    return ROOT.resolve("deploy-checks");
  }

  private static Path locate() {
    Path start = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("terraform/modules")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root with terraform/modules above " + start);
  }
}
