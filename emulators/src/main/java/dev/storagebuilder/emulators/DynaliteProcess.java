package dev.storagebuilder.emulators;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dynalite server: {@code node --require parent-watchdog.js <dynalite>/cli.js} on 127.0.0.1.
 *
 * <p>{@link #launch} returns as soon as node is spawned so the JVM-side emulators can start while
 * node boots; {@link #awaitReady} then waits for dynalite's "listening" line and for one request
 * answered.
 */
final class DynaliteProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DynaliteProcess.class);
  private static final String HOST = "127.0.0.1";
  private static final String LISTENING = "Dynalite listening at";
  private static final int OUTPUT_LINES_KEPT = 40;
  private static final Duration STOP_GRACE = Duration.ofSeconds(3);

  private final Process process;
  private final int port;
  private final @Nullable Path dataDir;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> outputEnded = new CompletableFuture<>();
  /** Set once {@link #awaitReady} succeeded: an exit before is reported by it, not logged. */
  private volatile boolean up;

  private volatile boolean stopping;
  private final AtomicBoolean exitReported = new AtomicBoolean();
  private final Deque<String> recentOutput = new ArrayDeque<>();

  private DynaliteProcess(Process process, int port, @Nullable Path dataDir) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
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
      return new DynaliteProcess(process, port, dataDir);
    } catch (IOException e) {
      throw new EmulatorStartException(
          "dynalite (the DynamoDB emulator) runs on Node.js, but `node` could not be started: "
              + e.getMessage()
              + ". Install Node.js 20+ (Debian: apt-get install nodejs) and put `node` on the"
              + " PATH.",
          e);
    }
  }

  /**
   * Blocks until dynalite listens and has its database open; on failure the process is gone and
   * the output is reported.
   */
  void awaitReady(Duration timeout) {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      awaitDatabaseOpen(timeout);
      up = true;
      if (!process.isAlive() && !stopping) {
        // it died between the check and the flag, so its output reader saw up == false
        reportUnexpectedExit();
      }
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

  /**
   * dynalite prints "listening" before LevelDB has opened its directory, and a directory it cannot
   * open (a CURRENT naming a missing manifest after a kill mid-write or a full disk, a LOCK held by
   * a dynalite that is not ours) only crashes it on the first request: the caller then saw
   * "Connection refused" after the SDK's retries, with the reason in a debug log. One ListTables
   * here turns that into a start failure naming the directory.
   */
  private void awaitDatabaseOpen(Duration timeout) {
    String failure = listTables(timeout);
    if (failure == null) {
      return;
    }
    close();
    try {
      outputEnded.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // report what was read so far
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String where =
        dataDir == null
            ? "in memory"
            : "in "
                + dataDir
                + " (corrupt, e.g. after a full disk or a kill mid-write, or in use by another"
                + " dynalite); move that directory away to start with no tables";
    throw new EmulatorStartException(
        "dynalite listened on "
            + endpoint()
            + " but could not open its database "
            + where
            + ". Its first request failed: "
            + failure
            + ". Output:\n"
            + recentOutput());
  }

  /** A raw ListTables: null if answered 200, else what went wrong. */
  private @Nullable String listTables(Duration timeout) {
    byte[] body = "{}".getBytes(StandardCharsets.US_ASCII);
    String request =
        "POST / HTTP/1.1\r\n"
            + "Host: "
            + HOST
            + ":"
            + port
            + "\r\n"
            + "X-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            + "Content-Type: application/x-amz-json-1.0\r\n"
            // dynalite checks that a SigV4 header is there and well formed, not the signature
            + "X-Amz-Date: 20200101T000000Z\r\n"
            + "Authorization: AWS4-HMAC-SHA256"
            + " Credential=local/20200101/"
            + "us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n"
            + "Content-Length: "
            + body.length
            + "\r\n"
            + "Connection: close\r\n\r\n";
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String statusLine =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      if (statusLine == null) {
        return "the connection closed without an answer";
      }
      return statusLine.startsWith("HTTP/1.1 200") ? null : "answered " + statusLine;
    } catch (IOException e) {
      return e.toString();
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
    stopping = true;
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
    outputEnded.complete(null);
    if (up && !stopping) {
      reportUnexpectedExit();
    }
  }

  /**
   * Its output is logged at debug only, and callers see nothing but "Connection refused" after the
   * SDK's retries; the exit code (137: SIGKILL, e.g. the OOM killer) and dynalite's last lines say
   * why.
   */
  private void reportUnexpectedExit() {
    if (!exitReported.compareAndSet(false, true)) {
      return;
    }
    log.warn(
        "dynalite (pid {}, {}) exited while the stack was up{}; DynamoDB calls to it fail from now"
            + " on. Its last output:\n{}",
        process.pid(),
        endpoint(),
        exitDescription(),
        recentOutput());
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
