package dev.storagebuilder.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The npm manifest on the classpath is the one the install directory is named after. */
class DynaliteManifestTest {

  @Test
  void packageJsonPinsTheDynaliteVersionTheInstallIsNamedAfter() throws IOException {
    assertThat(resource("package.json"))
        .contains("\"dynalite\": \"" + DynaliteInstallation.DYNALITE_VERSION + "\"");
  }

  @Test
  void lockFileResolvesThatVersionWithIntegrityHashes() throws IOException {
    String lock = resource("package-lock.json");
    assertThat(lock)
        .containsPattern(
            "\"node_modules/dynalite\": \\{\\s*\"version\": \""
                + DynaliteInstallation.DYNALITE_VERSION.replace(".", "\\.")
                + "\"");
    assertThat(lock).contains("\"integrity\": \"sha512-");
  }

  @Test
  void installDirectoryKeyChangesWithTheLockFile() {
    byte[] lock = "{\"lockfileVersion\": 3}".getBytes(StandardCharsets.UTF_8);
    byte[] changed = "{\"lockfileVersion\": 3 }".getBytes(StandardCharsets.UTF_8);
    assertThat(DynaliteInstallation.sha256Prefix(lock))
        .hasSize(16)
        .isEqualTo(DynaliteInstallation.sha256Prefix(lock.clone()))
        .isNotEqualTo(DynaliteInstallation.sha256Prefix(changed));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in =
        DynaliteManifestTest.class.getResourceAsStream(
            "/dev/storagebuilder/emulators/dynalite/" + name)) {
      assertThat(in).as(name + " on the classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
