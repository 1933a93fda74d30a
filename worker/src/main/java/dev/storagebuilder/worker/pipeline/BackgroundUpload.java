package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A key index sidecar merged and uploaded on a thread of its own while the target's thread
 * finishes the snapshot file. Holds no part buffers of its own when the store sends a stream in one
 * request ({@code ObjectStore.putStream}); the merge streams through small buffers.
 */
final class KeyIndexUpload {
  /** The upload; returns the sidecar's key. */
  @FunctionalInterface
  interface Work {
    String run() throws IOException;
  }

  private final FutureTask<String> task;
  private final Thread thread;

  private KeyIndexUpload(FutureTask<String> task, Thread thread) {
    this.task = task;
    this.thread = thread;
  }

  static KeyIndexUpload start(String target, Work work) {
    FutureTask<String> task = new FutureTask<>(work::run);
    Thread thread = Thread.ofPlatform().daemon(true).name("key-index-" + target).unstarted(task);
    thread.start();
    return new KeyIndexUpload(task, thread);
  }

  /** Waits for the upload; its failure is rethrown as it was thrown. */
  String await() throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading the key index");
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
      throw new UncheckedIOException(new IOException("key index upload failed", cause));
    }
  }

  /**
   * Stops the upload and waits until its thread has let go of the key index; returns the key of a
   * sidecar that was uploaded anyway (the caller deletes it).
   */
  Optional<String> cancel() {
    task.cancel(true);
    joinUninterruptibly(thread);
    if (task.isCancelled()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(task.get());
    } catch (ExecutionException | InterruptedException | CancellationException e) {
      return Optional.empty();
    }
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
