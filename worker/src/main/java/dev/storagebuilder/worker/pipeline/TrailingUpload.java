package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * An upload a build leaves running past the commit of its version: a base's key index sidecar.
 * Readers of the snapshot never use it, and the next incremental sync of the target can do without
 * it (it then counts the state by reading it), so the version is committed while the sidecar is
 * still merged and sent, and becomes visible that much sooner. The target's message is finished,
 * and its lease let go, only once the upload has ended.
 */
public final class TrailingUpload {
  /** Nothing left running: inline or no sidecar, a delta, an unchanged sync. */
  public static final TrailingUpload NONE = new TrailingUpload(null, key -> {});

  private final BackgroundUpload upload;
  private final Consumer<String> delete;

  TrailingUpload(BackgroundUpload upload, Consumer<String> delete) {
    this.upload = upload;
    this.delete = delete;
  }

  /** Whether an upload is left to await. */
  public boolean isPending() {
    return upload != null;
  }

  /** Waits for the upload; its failure is rethrown as it was thrown. */
  public void await() throws IOException {
    if (upload != null) {
      upload.await();
    }
  }

  /** Stops the upload and deletes what it stored anyway (a lost commit: nothing refers to it). */
  void discard() {
    if (upload != null) {
      upload.cancel().ifPresent(delete);
    }
  }
}
