package dev.storagebuilder.worker.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a hot standby streaming from it (or a primary alone, with settings the
 * shared test server does not have), made for one test from the server
 * binaries of the machine ({@code pg_config --bindir}) in a temporary directory, on free ports;
 * closing stops both and deletes the directory. As root, the binaries run as the {@code postgres}
 * user (initdb refuses root). A standby is what a source pointed at a read replica reads.
 */
final class PostgresStandbyPair implements AutoCloseable {
  private final Path directory;
  private final String bin;
  private final boolean asPostgresUser;
  final int primaryPort;
  final int standbyPort;

  private PostgresStandbyPair(Path directory, String bin, boolean asPostgresUser, int primaryPort, int standbyPort) {
    this.directory = directory;
    this.bin = bin;
    this.asPostgresUser = asPostgresUser;
    this.primaryPort = primaryPort;
    this.standbyPort = standbyPort;
  }

  static PostgresStandbyPair start() throws IOException, InterruptedException {
    return start("", true);
  }

  /** A primary alone, with {@code settings} ({@code -c name=value ...}) on its command line. */
  static PostgresStandbyPair primaryOnly(String settings) throws IOException, InterruptedException {
    return start(settings, false);
  }

  /** Whether the machine's PostgreSQL has the shared library {@code name} (an extension's). */
  static boolean hasLibrary(String name) throws IOException, InterruptedException {
    String libraries = output(List.of("pg_config", "--pkglibdir")).strip();
    return Files.exists(Path.of(libraries, name + ".so"));
  }

  private static PostgresStandbyPair start(String settings, boolean withStandby)
      throws IOException, InterruptedException {
    String bin = output(List.of("pg_config", "--bindir")).strip();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path directory = Files.createTempDirectory("sbstandby");
    if (root) {
      UserPrincipal postgres =
          directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(directory, postgres);
    }
    PostgresStandbyPair pair = new PostgresStandbyPair(directory, bin, root, freePort(), freePort());
    try {
      pair.run("initdb", "-D", pair.path("primary"), "-U", "postgres", "--auth=trust");
      pair.startServer("primary", pair.primaryPort, "-c fsync=off " + settings);
      if (withStandby) {
        pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(pair.primaryPort), "-U", "postgres",
            "-D", pair.path("standby"), "-R", "-X", "stream");
        pair.startServer("standby", pair.standbyPort, "-c hot_standby=on");
      }
      return pair;
    } catch (IOException | InterruptedException | RuntimeException e) {
      pair.close();
      throw e;
    }
  }

  String primaryUrl() {
    return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres?user=postgres&connectTimeout=5";
  }

  String standbyUrl() {
    return "jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres?user=postgres&connectTimeout=5";
  }

  private String path(String name) {
    return directory.resolve(name).toString();
  }

  private void startServer(String name, int port, String settings) throws IOException, InterruptedException {
    run("pg_ctl", "-D", path(name), "-l", path(name + ".log"), "-w", "-o",
        "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 " + settings, "start");
  }

  private void run(String program, String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asPostgresUser) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin + "/" + program);
    command.addAll(List.of(arguments));
    output(command);
  }

  private static String output(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      for (String name : List.of("standby", "primary")) {
        if (Files.exists(directory.resolve(name).resolve("postmaster.pid"))) {
          run("pg_ctl", "-D", path(name), "-m", "immediate", "stop");
        }
      }
    } finally {
      try (Stream<Path> paths = Files.walk(directory)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }
}
