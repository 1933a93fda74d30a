package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upload on a thread of its own while the target's thread goes on: a finished file published
 * while the manifest that lists it is written (awaited before the commit), or a base's key index
 * sidecar merged and sent while the version is committed (awaited before the message is finished).
 * Nothing it uploads is visible to readers before the version record that points at it is
 * committed, so the order of the uploads does not matter.
 */
final class BackgroundUpload {
  /** The upload; returns the key it stored. */
  @FunctionalInterface
  interface Work {
    String run() throws IOException;
  }

  private final FutureTask<String> task;
  private final Thread thread;
  /** Set by the upload's thread once its work has stored the object, whatever happens after. */
  private final AtomicReference<String> storedKey;

  private BackgroundUpload(FutureTask<String> task, Thread thread, AtomicReference<String> storedKey) {
    this.task = task;
    this.thread = thread;
    this.storedKey = storedKey;
  }

  /** @param threadName names the thread in thread dumps and profiles, e.g. {@code key-index-raw_data} */
  static BackgroundUpload start(String threadName, Work work) {
    AtomicReference<String> storedKey = new AtomicReference<>();
    FutureTask<String> task =
        new FutureTask<>(
            () -> {
              String key = work.run();
              storedKey.set(key);
              return key;
            });
    Thread thread = Thread.ofPlatform().daemon(true).name(threadName).unstarted(task);
    thread.start();
    return new BackgroundUpload(task, thread, storedKey);
  }

  /** Waits for the upload; its failure is rethrown as it was thrown. */
  String await() throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + thread.getName());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new UncheckedIOException(new IOException(thread.getName() + " failed", cause));
    }
  }

  /**
   * Stops the upload and waits until its thread has let go of what it was sending; returns the key
   * of an object that was uploaded anyway (the caller deletes it). Asks by interrupting the thread
   * and then asks the work itself what it stored: a store call that does not answer to interrupts
   * finishes its PUT, and {@code FutureTask.cancel} would have reported such an upload as stopped.
   */
  Optional<String> cancel() {
    thread.interrupt();
    joinUninterruptibly(thread);
    return Optional.ofNullable(storedKey.get());
  }

  /** Waits until {@code thread} has ended, even when interrupted meanwhile (the interrupt is kept). */
  static void joinUninterruptibly(Thread thread) {
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
