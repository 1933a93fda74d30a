package dev.storagebuilder.common.storage;

import java.io.IOException;
import java.io.OutputStream;

/** A streaming upload: write, then {@link #close()} to publish or {@link #abort()} to discard. */
public abstract class ObjectOutput extends OutputStream {
  /** Bytes written so far (Parquet records file offsets from it). */
  public abstract long position();

  /** Discards the upload; the key never becomes visible. Safe to call after a failure. */
  public abstract void abort();

  /** Completes the upload and makes the object visible. */
  @Override
  public abstract void close() throws IOException;
}
