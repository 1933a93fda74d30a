package dev.storagebuilder.emulators;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dynalite's {@code node_modules}, installed once per user and lock file with {@code npm ci} from
 * the {@code package.json} + {@code package-lock.json} committed in {@code src/main/dynalite}.
 *
 * <p>The install lives in {@code ~/.cache/storage-builder/dynalite-4.0.0-<lock hash>/}: outside the
 * work tree (so no build or {@code git clean} wipes it and no checkout carries 10 MB of
 * node_modules) and keyed by the lock file's hash (so a changed lock gets a fresh install next to
 * the old one instead of mutating a directory a running dynalite may be using). After the first
 * install nothing touches the network: later starts only check the marker file.
 */
final class DynaliteInstallation {

  static final String DYNALITE_VERSION = "4.0.0";

  private static final Logger log = LoggerFactory.getLogger(DynaliteInstallation.class);
  private static final String RESOURCES = "/dev/storagebuilder/emulators/dynalite/";
  private static final String PACKAGE_JSON = "package.json";
  private static final String PACKAGE_LOCK = "package-lock.json";
  private static final String WATCHDOG = "parent-watchdog.js";
  private static final String INSTALLED_MARKER = ".installed";
  private static final long NPM_CI_TIMEOUT_MINUTES = 5;

  /** FileLock keeps other JVMs out; this keeps other threads of this JVM out. */
  private static final Object IN_PROCESS_LOCK = new Object();

  private final Path directory;

  private DynaliteInstallation(Path directory) {
    this.directory = directory;
  }

  static Path defaultCacheRoot() {
    return Path.of(System.getProperty("user.home"), ".cache", "storage-builder");
  }

  /** Installs dynalite under {@code cacheRoot} unless an install for this lock file is there. */
  static DynaliteInstallation ensureInstalled(Path cacheRoot) {
    byte[] packageJson = resource(PACKAGE_JSON);
    byte[] packageLock = resource(PACKAGE_LOCK);
    byte[] watchdog = resource(WATCHDOG);
    String lockHash = sha256Prefix(packageLock);
    Path directory = cacheRoot.resolve("dynalite-" + DYNALITE_VERSION + "-" + lockHash);
    DynaliteInstallation installation = new DynaliteInstallation(directory);
    try {
      Files.createDirectories(cacheRoot);
      synchronized (IN_PROCESS_LOCK) {
        try (FileChannel lockChannel =
                FileChannel.open(
                    cacheRoot.resolve(directory.getFileName() + ".lock"),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock ignored = lockChannel.lock()) {
          if (!installation.isInstalled(lockHash)) {
            installation.install(packageJson, packageLock, lockHash);
          }
          writeIfChanged(installation.watchdogScript(), watchdog);
        }
      }
    } catch (IOException e) {
      throw new EmulatorStartException(
          "could not prepare the dynalite install in " + directory + ": " + e.getMessage(), e);
    }
    return installation;
  }

  Path directory() {
    return directory;
  }

  Path cliScript() {
    return directory.resolve("node_modules").resolve("dynalite").resolve("cli.js");
  }

  Path watchdogScript() {
    return directory.resolve(WATCHDOG);
  }

  private boolean isInstalled(String lockHash) throws IOException {
    Path marker = directory.resolve(INSTALLED_MARKER);
    return Files.isRegularFile(marker)
        && Files.readString(marker, StandardCharsets.UTF_8).strip().equals(lockHash)
        && Files.isRegularFile(cliScript());
  }

  private void install(byte[] packageJson, byte[] packageLock, String lockHash) throws IOException {
    long started = System.nanoTime();
    Files.createDirectories(directory);
    Files.deleteIfExists(directory.resolve(INSTALLED_MARKER));
    Files.write(directory.resolve(PACKAGE_JSON), packageJson);
    Files.write(directory.resolve(PACKAGE_LOCK), packageLock);
    log.info(
        "Installing dynalite {} into {} (npm ci, first use only)", DYNALITE_VERSION, directory);

    Path npmLog = directory.resolve("npm-ci.log");
    // --ignore-scripts: classic-level's only install script (node-gyp-build) would compile when no
    // prebuilt binary fits; the package ships prebuilds for linux/darwin/win32 x64 and arm64, and
    // no build toolchain is needed or wanted on developer and CI machines.
    List<String> command = List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
    Process npm;
    try {
      npm =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(npmLog.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
              .start();
    } catch (IOException e) {
      throw new EmulatorStartException(
          "dynalite (the DynamoDB emulator) is installed on first use with `npm ci`, but `npm`"
              + " could not be run: "
              + e.getMessage()
              + ". Install Node.js 20+ with npm (Debian: apt-get install nodejs npm).",
          e);
    }
    boolean finished;
    try {
      finished = npm.waitFor(NPM_CI_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      npm.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new EmulatorStartException("interrupted while installing dynalite", e);
    }
    if (!finished) {
      npm.destroyForcibly();
      throw new EmulatorStartException(
          "`npm ci` for dynalite did not finish within "
              + NPM_CI_TIMEOUT_MINUTES
              + " minutes in "
              + directory
              + "; is the npm registry reachable? Output: "
              + tail(npmLog));
    }
    if (npm.exitValue() != 0 || !Files.isRegularFile(cliScript())) {
      throw new EmulatorStartException(
          "`npm ci` for dynalite failed (exit "
              + npm.exitValue()
              + ") in "
              + directory
              + "; the first start needs the npm registry. Output: "
              + tail(npmLog));
    }
    Files.writeString(directory.resolve(INSTALLED_MARKER), lockHash + "\n");
    log.info(
        "Installed dynalite {} in {} ms",
        DYNALITE_VERSION,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static void writeIfChanged(Path file, byte[] content) throws IOException {
    if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), content)) {
      return;
    }
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(temporary, content);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte[] resource(String name) {
    try (InputStream in = DynaliteInstallation.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "classpath resource " + RESOURCES + name + " is missing from the emulators jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256Prefix(byte[] content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }
}
