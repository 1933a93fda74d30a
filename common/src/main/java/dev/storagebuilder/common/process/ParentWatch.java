package dev.storagebuilder.common.process;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends this JVM when the process that started it exits, if asked to with {@value #PROPERTY} (that
 * process's pid). The local fleet ({@code ./sb demo}, {@code ./sb sync}) sets it on the producer and
 * the workers it starts: its shutdown hook stops them, but a SIGKILL runs no hook, and they would
 * otherwise run on, polling the queue that died with it, until someone kills them by hand. Nothing
 * sets it in a deployment.
 */
public final class ParentWatch {
  public static final String PROPERTY = "storage-builder.parent-pid";

  /** How long the shutdown hooks may take (they talk to emulators that died with the parent). */
  static final Duration EXIT_GRACE = Duration.ofSeconds(20);

  private ParentWatch() {}

  /** Starts watching the pid in {@value #PROPERTY}; does nothing when it is not set. */
  public static void startIfAsked() {
    startIfAsked(System.getProperty(PROPERTY));
  }

  static void startIfAsked(String parentPid) {
    if (parentPid == null || parentPid.isBlank()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(parentPid.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PROPERTY + " must be a process id, got '" + parentPid + "'");
    }
    // onExit of a process that is not our child polls it (and notices a reused pid by its
    // start time): the JVM's own mechanism, no thread of ours.
    Optional<ProcessHandle> parent = ProcessHandle.of(pid);
    CompletableFuture<?> exited =
        parent.<CompletableFuture<?>>map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null));
    exited.thenRun(() -> exit(pid));
  }

  private static void exit(long pid) {
    System.err.println("parent process " + pid + " exited; stopping");
    // the delayed executor's thread is a daemon: it does not hold the exit up, only cuts it short
    CompletableFuture.runAsync(
        () -> Runtime.getRuntime().halt(1),
        CompletableFuture.delayedExecutor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS));
    // System.exit from a thread of its own: a hook may wait for the pool this callback runs on
    Thread.ofPlatform().name("parent-watch-exit").start(() -> System.exit(1));
  }
}
