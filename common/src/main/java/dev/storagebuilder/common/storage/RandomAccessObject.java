package dev.storagebuilder.common.storage;

import java.io.Closeable;
import java.io.IOException;

/** Positional reads of one stored object. */
public interface RandomAccessObject extends Closeable {
  long length();

  /**
   * Reads up to {@code length} bytes at {@code position}; returns the bytes read, -1 at the end.
   * Implementations over HTTP read ahead in large ranges, so small reads stay cheap.
   */
  int read(long position, byte[] buffer, int offset, int length) throws IOException;

  @Override
  default void close() throws IOException {}
}
