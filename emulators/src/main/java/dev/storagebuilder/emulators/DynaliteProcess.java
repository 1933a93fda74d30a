package dev.storagebuilder.emulators;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dynalite server: {@code node --require parent-watchdog.js <dynalite>/cli.js} on 127.0.0.1.
 *
 * <p>{@link #launch} returns as soon as node is spawned so the JVM-side emulators can start while
 * node boots; {@link #awaitReady} then waits for dynalite's "listening" line.
 */
final class DynaliteProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DynaliteProcess.class);
  private static final String HOST = "127.0.0.1";
  private static final String LISTENING = "Dynalite listening at";
  private static final int OUTPUT_LINES_KEPT = 40;
  private static final Duration STOP_GRACE = Duration.ofSeconds(3);

  private final Process process;
  private final int port;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Deque<String> recentOutput = new ArrayDeque<>();

  private DynaliteProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    Thread reader = new Thread(this::pumpOutput, "dynalite-output-" + port);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Spawns dynalite on a free port. dynalite cannot listen on port 0 ({@code --port 0} falls back
   * to 4567), so the port is picked here and a lost race shows up as {@link PortTakenException}.
   */
  static DynaliteProcess launch(DynaliteInstallation installation, @Nullable Path dataDir) {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add("--require");
    command.add(installation.watchdogScript().toString());
    command.add(installation.cliScript().toString());
    command.addAll(List.of("--host", HOST, "--port", Integer.toString(port)));
    // tables turn ACTIVE within milliseconds (not at once: callers still wait for ACTIVE); the
    // default delays would make every test and demo start wait for them
    command.addAll(List.of("--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
    if (dataDir != null) {
      command.addAll(List.of("--path", dataDir.toString()));
    }
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(installation.directory().toFile())
              .redirectErrorStream(true)
              .start();
      return new DynaliteProcess(process, port);
    } catch (IOException e) {
      throw new EmulatorStartException(
          "dynalite (the DynamoDB emulator) runs on Node.js, but `node` could not be started: "
              + e.getMessage()
              + ". Install Node.js 20+ (Debian: apt-get install nodejs) and put `node` on the"
              + " PATH.",
          e);
    }
  }

  /** Blocks until dynalite listens; on failure the process is gone and the output is reported. */
  void awaitReady(Duration timeout) {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      close();
      throw new EmulatorStartException(
          "dynalite did not report listening on "
              + endpoint()
              + " within "
              + timeout.toMillis()
              + " ms. Output:\n"
              + recentOutput());
    } catch (ExecutionException e) {
      close();
      String output = recentOutput();
      if (output.contains("EADDRINUSE")) {
        throw new PortTakenException(port);
      }
      throw new EmulatorStartException(
          "dynalite exited before listening on "
              + endpoint()
              + exitDescription()
              + " (dynalite "
              + DynaliteInstallation.DYNALITE_VERSION
              + " needs Node.js 20+). Output:\n"
              + output);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new EmulatorStartException("interrupted while starting dynalite", e);
    }
  }

  URI endpoint() {
    return URI.create("http://" + HOST + ":" + port);
  }

  long pid() {
    return process.pid();
  }

  /** Stops node and anything it spawned: SIGTERM first, SIGKILL after a short grace. */
  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("dynalite (pid {}) ignored SIGTERM for {}; killing it", process.pid(), STOP_GRACE);
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public String toString() {
    return "dynalite (pid " + process.pid() + ", " + endpoint() + ")";
  }

  private void pumpOutput() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        remember(line);
        log.debug("dynalite: {}", line);
        if (line.contains(LISTENING)) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      log.debug("dynalite output closed: {}", e.getMessage());
    }
    ready.completeExceptionally(new IllegalStateException("dynalite exited"));
  }

  private void remember(String line) {
    synchronized (recentOutput) {
      if (recentOutput.size() == OUTPUT_LINES_KEPT) {
        recentOutput.removeFirst();
      }
      recentOutput.addLast(line);
    }
  }

  private String recentOutput() {
    synchronized (recentOutput) {
      return String.join("\n", recentOutput);
    }
  }

  private String exitDescription() {
    try {
      if (process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        return " (exit code " + process.exitValue() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "";
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new EmulatorStartException(
          "could not find a free port on " + HOST + " for dynalite: " + e.getMessage(), e);
    }
  }

  /** Another process took the port between picking and binding it; launching again fixes it. */
  static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortTakenException(int port) {
      super("dynalite could not bind " + HOST + ":" + port + ": address already in use");
    }
  }
}
