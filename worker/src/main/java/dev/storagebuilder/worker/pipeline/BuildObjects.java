package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The objects one build stores: uploads still running on threads of their own, and objects already
 * stored. A build that ends well {@link #keep() keeps} them; one that fails or finds nothing worth
 * keeping closes this first, which takes them back: running uploads are stopped (and their keys
 * deleted, in case they made it up anyway), stored objects deleted. Readers find snapshot objects only
 * through a committed version record, so until the commit the order in which they go up is free:
 * the file and the manifest that lists it can both be in flight at once. (A base's stored key index
 * goes up after the commit instead: {@link TrailingUpload}.)
 *
 * <p>Used by the build's thread only. Not thread-safe.
 */
final class BuildObjects implements AutoCloseable {
  private record Running(String key, BackgroundUpload upload, Runnable afterStop) {}

  private final Consumer<String> delete;
  private final List<Running> running = new ArrayList<>();
  private final List<String> stored = new ArrayList<>();
  private boolean kept;

  /** @param delete removes one object, quietly: a leftover is garbage, not an error */
  BuildObjects(Consumer<String> delete) {
    this.delete = delete;
  }

  /**
   * Starts an upload on a thread of its own.
   *
   * @param key the object the upload stores (the key {@code work} returns)
   * @param afterStop runs when the upload is taken back, after its thread let go (e.g. aborts a
   *     multipart upload the task never got to)
   */
  BackgroundUpload start(String threadName, String key, BackgroundUpload.Work work, Runnable afterStop) {
    BackgroundUpload upload = BackgroundUpload.start(threadName, work);
    running.add(new Running(key, upload, afterStop));
    return upload;
  }

  /** Records an object stored by the build's own thread. */
  void stored(String key) {
    stored.add(key);
  }

  /** Waits for one upload; its failure is rethrown as it was thrown. Returns the key it stored. */
  String await(BackgroundUpload upload) throws IOException {
    for (int i = 0; i < running.size(); i++) {
      if (running.get(i).upload() == upload) {
        String key = upload.await();
        running.remove(i);
        stored.add(key);
        return key;
      }
    }
    throw new IllegalArgumentException("not an upload of this build");
  }

  /** Waits for every upload still running, in the order they started. */
  void awaitAll() throws IOException {
    while (!running.isEmpty()) {
      await(running.get(0).upload());
    }
  }

  /** The build committed what it stored (or hands it on): closing takes nothing back. */
  void keep() {
    if (!running.isEmpty()) {
      throw new IllegalStateException(running.size() + " uploads still running; await them first");
    }
    kept = true;
  }

  @Override
  public void close() {
    if (kept) {
      return;
    }
    for (Running r : running) {
      r.upload().cancel();
      r.afterStop().run();
      // Whether or not the upload said it stored the object: a PUT interrupted (or timed out) once
      // S3 had it fails in the caller yet stores it, and such an object was left to no one. A
      // DELETE of a key never stored is answered like any other.
      delete.accept(r.key());
    }
    running.clear();
    stored.forEach(delete);
    stored.clear();
  }
}
