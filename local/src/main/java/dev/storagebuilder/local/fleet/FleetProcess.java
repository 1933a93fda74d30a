package dev.storagebuilder.local.fleet;

import dev.storagebuilder.common.config.ConfigurationRefusal;
import dev.storagebuilder.common.process.ParentWatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A producer or worker JVM started by the local fleet, with its log file and memory high-water mark. */
public final class FleetProcess {
  private final String name;
  private final List<String> command;
  private final Path jar;
  private final Path archive;
  private final Path log;
  /** What the producer's and the worker's refusal line says (RefusalReportingMicronaut). */
  private static final String REFUSAL_MARKER = " refused its configuration: ";

  private Process process;
  private long peakRssKb;

  /**
   * The worker's collector, for footprint: G1 that gives heap back. SerialGC fills its old generation
   * with promoted garbage before a full GC, so all 128 MB get touched (export peak RSS 261-282 MB);
   * G1 starting at 32 MB, growing only when GC takes over 5 % of the time and shrinking to 30 % free
   * after marking keeps the committed heap smaller (measured 245-249 MB, ~10-20 % more worker CPU).
   * 2 MB regions: fewer of the export's large buffers become humongous objects. Same flags in
   * docker/worker.Dockerfile.
   */
  static final List<String> WORKER_COLLECTOR =
      List.of("-XX:+UseG1GC", "-Xms32m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:GCTimeRatio=19",
          "-XX:G1HeapRegionSize=2m", "-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1");
  /**
   * The producer's, as before: its footprint is no goal and the footprint G1 above buys memory with
   * CPU, which its enqueue burst (10,000 messages, goal 2 s) should not pay.
   */
  static final List<String> PRODUCER_COLLECTOR = List.of("-XX:+UseSerialGC");
  /** The worker's compilers: all tiers, since an export's encode loops need C2. */
  static final List<String> WORKER_COMPILER = List.of();
  /**
   * The producer's: C1 only. Its work is I/O and framework code that C1 compiles well enough, and
   * its enqueue burst competed with C2 for the cores the queue needs: 10,000 targets enqueued with
   * 0.55-0.86 producer CPU-s instead of 0.94-1.20 (two paired runs, 21:10 UTC). Same in
   * docker/producer.Dockerfile.
   */
  static final List<String> PRODUCER_COMPILER = List.of("-XX:TieredStopAtLevel=1");

  FleetProcess(
      String name,
      Path jar,
      int heapMb,
      List<String> collector,
      List<String> compiler,
      Map<String, String> properties,
      Path logDir) {
    this(name, jar, sharedArchive(jar), heapMb, collector, compiler, properties, logDir);
  }

  /** @param archive the class-data archive this process maps, or writes at its first clean exit */
  FleetProcess(
      String name,
      Path jar,
      Path archive,
      int heapMb,
      List<String> collector,
      List<String> compiler,
      Map<String, String> properties,
      Path logDir) {
    this.name = name;
    this.jar = jar;
    this.archive = archive;
    this.log = logDir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx" + heapMb + "m");
    // Extra JVM flags for the fleet's processes (e.g. another collector); later flags win, except
    // that a collector given there replaces this one (two collectors are an error).
    String extra = System.getenv("SB_FLEET_JAVA_OPTS");
    List<String> extraFlags = extra == null || extra.isBlank() ? List.of() : List.of(extra.strip().split("\\s+"));
    if (extraFlags.stream().noneMatch(f -> f.startsWith("-XX:+Use") && f.endsWith("GC"))) {
      cmd.addAll(collector);
    }
    cmd.addAll(compiler);
    // No --enable-native-access: the jars' manifests grant it to zstd-jni and Netty. On the command
    // line, every start that mapped the class-data archive logged a CDS error ("Mismatched values
    // for property jdk.module.enable.native.access") and ran without the archived module graph.
    // Die loudly rather than limp on: the fleet restarts a worker, a half-dead one holds messages.
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    // Startup: the first clean exit writes a class-data archive next to the jar; later starts map
    // it instead of loading and verifying the same ~10k classes again (a rebuilt jar invalidates it:
    // see start()).
    // Kept on JDK 25 too: its AOT cache measured worse here (peak RSS over 256 MB, C2 no cheaper;
    // docs/performance.md, item 10).
    cmd.add("-XX:SharedArchiveFile=" + archive);
    cmd.add("-XX:+AutoCreateSharedArchive");
    cmd.add("-Xshare:auto");
    // Footprint: C2's compile arenas (~20-28 MB at the first export's peak) and other freed native
    // memory go back to the OS once a second instead of staying in glibc's arenas, so they do not
    // add to the high-water mark when the heap fills later. Same flag in docker/worker.Dockerfile.
    cmd.add("-XX:TrimNativeHeapInterval=1000");
    cmd.addAll(extraFlags);
    properties.forEach((key, value) -> cmd.add("-D" + key + "=" + value));
    // Exit when this JVM does: a SIGKILL of the CLI runs no shutdown hook to stop them.
    cmd.add("-D" + ParentWatch.PROPERTY + "=" + ProcessHandle.current().pid());
    cmd.add("-jar");
    cmd.add(jar.toString());
    this.command = List.copyOf(cmd);
  }

  /** The JVM's command line: the flags, the properties and the jar. */
  List<String> command() {
    return command;
  }

  /**
   * The class-data archive a process of this jar maps by default when it exists (written at its
   * first clean exit); shared by every fleet that starts the jar.
   */
  public static Path sharedArchive(Path jar) {
    return jar.resolveSibling(jar.getFileName() + ".jsa");
  }

  /**
   * Deletes the class-data archive when the jar was rebuilt after it was written. The JVM refuses
   * such an archive ("shared class paths mismatch") and, measured on JDK 25, does not write a new
   * one at exit either, so every later start of the rebuilt jar ran without one: the producer took
   * 3.8-3.9 s to its first health answer instead of 2.0 s.
   */
  static void dropArchiveOfAnOlderJar(Path jar, Path archive) throws IOException {
    if (Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0) {
      Files.deleteIfExists(archive);
    }
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public synchronized void start() throws IOException {
    Files.createDirectories(log.getParent());
    dropArchiveOfAnOlderJar(jar, archive);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // Footprint: glibc otherwise gives each of the worker's native-compressing threads its own
    // malloc arena (up to 8 per core), which shows up as resident memory outside the heap.
    builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    process = builder.start();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  public synchronized Optional<Long> pid() {
    return process == null ? Optional.empty() : Optional.of(process.pid());
  }

  /** The largest resident set seen so far (Linux VmHWM), in KiB; sampled until the process exits. */
  public synchronized long peakRssKb() {
    sampleRss();
    return peakRssKb;
  }

  synchronized void sampleRss() {
    if (process == null || !process.isAlive()) {
      return;
    }
    Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("[^0-9]", "")));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or the process just exited: the last sample stands
    }
  }

  /** SIGTERM, then wait for a graceful exit; SIGKILL if it does not come. */
  public synchronized void stop(long graceSeconds) {
    requestStop();
    awaitStop(System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds));
  }

  /** SIGTERM without waiting, so that several processes drain at once; then {@link #awaitStop}. */
  synchronized void requestStop() {
    if (process == null) {
      return;
    }
    sampleRss();
    process.destroy();
  }

  /**
   * Waits until {@code deadlineNanos} ({@link System#nanoTime()}) for the exit {@link #requestStop}
   * asked for; SIGKILL if it does not come.
   */
  synchronized void awaitStop(long deadlineNanos) {
    if (process == null) {
      return;
    }
    try {
      if (!process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** SIGKILL at once (chaos and fault tests). */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  /**
   * Why the process refused to start, from its log, once it has exited with {@link
   * ConfigurationRefusal#EXIT_CODE}: the one line it logs then, so the fleet can say it rather than
   * point at the log.
   */
  public synchronized Optional<String> refusal() {
    if (process == null || process.isAlive() || process.exitValue() != ConfigurationRefusal.EXIT_CODE) {
      return Optional.empty();
    }
    try {
      return refusalIn(name, Files.readAllLines(log));
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  static Optional<String> refusalIn(String name, List<String> logLines) {
    for (int i = logLines.size() - 1; i >= 0; i--) {
      String line = logLines.get(i);
      int at = line.indexOf(REFUSAL_MARKER);
      if (at >= 0) {
        String reason = line.substring(at + REFUSAL_MARKER.length());
        // A JSON log line: the message ends at its closing quote.
        if (line.startsWith("{") && reason.indexOf('"') >= 0) {
          reason = reason.substring(0, reason.indexOf('"'));
        }
        return Optional.of(name + REFUSAL_MARKER + reason);
      }
    }
    return Optional.empty();
  }

  public synchronized int exitCode() throws InterruptedException {
    return process.waitFor();
  }
}
