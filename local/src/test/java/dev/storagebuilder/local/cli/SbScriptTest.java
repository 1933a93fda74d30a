package dev.storagebuilder.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.local.fleet.FleetJars;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./sb} script's stale-build detection, on a copy of the script in a checkout of a few
 * files and with a stand-in {@code mvn} that records every build.
 */
class SbScriptTest {
  @TempDir Path checkout;
  @TempDir Path bin;
  private Path builds;
  private Path javaHome = Path.of(System.getProperty("java.home"));

  @BeforeEach
  void copyTheScriptIntoAFakeCheckout() throws IOException {
    Files.copy(FleetJars.home().resolve("sb"), checkout.resolve("sb"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.writeString(checkout.resolve("pom.xml"), "<project/>");
    Path source = checkout.resolve("local/src/main/java/A.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class A {}");
    builds = bin.resolve("builds.log");
    // The first build takes a moment, and the developer saves A.java while it runs.
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, """
        #!/bin/sh
        mkdir -p local/target
        if [ ! -s "%1$s" ]; then
          sleep 0.2
          echo 'class A { int edited; }' > local/src/main/java/A.java
        fi
        echo build >> "%1$s"
        """.formatted(builds));
    mvn.toFile().setExecutable(true);
  }

  private void sb(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("bash", checkout.resolve("sb").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile()).redirectErrorStream(true)
        .redirectOutput(bin.resolve("sb.out").toFile());
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    builder.environment().put("JAVA_HOME", javaHome.toString());
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("./sb %s finished", List.of(args)).isTrue();
  }

  @Test
  void withoutArgumentsTheCliIsAskedForItsHelp() throws Exception {
    sb("help"); // builds once, so the next runs find the jars fresh
    // a JDK whose java says it is 25 and records what the CLI was given
    Path jdk = bin.resolve("jdk");
    Path java = jdk.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Path given = bin.resolve("cli-args");
    Files.writeString(java, """
        #!/bin/sh
        case "$1" in -XshowSettings:*) echo '    java.specification.version = 25' >&2; exit 0;; esac
        printf '%%s\n' "$*" > "%1$s"
        """.formatted(given));
    java.toFile().setExecutable(true);
    javaHome = jdk;

    sb("demo", "--scale", "0.1");
    assertThat(Files.readString(given)).endsWith("StorageBuilderCli demo --scale 0.1\n");

    sb();
    assertThat(Files.readString(given)).as("./sb alone: the help the script's header promises").endsWith("StorageBuilderCli help\n");
  }

  private long buildsSoFar() throws IOException {
    return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
  }

  @Test
  void aSourceSavedDuringABuildIsBuiltByTheNextRun() throws Exception {
    sb("help"); // nothing built yet: builds (and A.java changes meanwhile); the CLI itself is absent here
    assertThat(buildsSoFar()).isEqualTo(1);

    sb("help");
    assertThat(buildsSoFar()).as("the change saved during the first build is built").isEqualTo(2);

    sb("help");
    assertThat(buildsSoFar()).as("nothing changed since: no build").isEqualTo(2);
  }
}
