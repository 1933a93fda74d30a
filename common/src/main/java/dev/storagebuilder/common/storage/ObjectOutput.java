package dev.storagebuilder.common.storage;

import java.io.IOException;
import java.io.OutputStream;

/** A streaming upload: write, then {@link #close()} to publish or {@link #abort()} to discard. */
public abstract class ObjectOutput extends OutputStream {
  /** Bytes written so far (Parquet records file offsets from it). */
  public abstract long position();

  /** Discards the upload; the key never becomes visible. Safe to call after a failure. */
  public abstract void abort();

  /**
   * Nanoseconds the writing thread has spent waiting on the store so far: for room to hand over
   * more bytes, and in {@link #close()} until the object is visible. 0 where the store does not
   * tell; the worker reports it as the upload's share of a target's time.
   */
  public long waitedNanos() {
    return 0;
  }

  /** Completes the upload and makes the object visible. */
  @Override
  public abstract void close() throws IOException;
}
