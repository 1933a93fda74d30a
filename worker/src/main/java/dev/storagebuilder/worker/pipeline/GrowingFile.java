package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A local file that one thread writes while others read it from the start, each reader waiting for
 * the bytes not written yet: a key index sidecar goes up to the store while it is merged to disk,
 * not after. The file keeps every byte, so a retried upload reads it again from the start.
 *
 * <p>Either side can stop the other: {@link #fail} makes the readers throw and the writer's next
 * write throw.
 */
final class GrowingFile {
  private final Path path;
  private final OutputStream writer;
  // Guarded by this.
  private long written;
  private boolean complete;
  private Throwable failure;

  private GrowingFile(Path path) throws IOException {
    this.path = path;
    OutputStream file = Files.newOutputStream(path);
    this.writer =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] bytes, int offset, int length) throws IOException {
            checkNotFailed();
            file.write(bytes, offset, length); // unbuffered: readers see the bytes once this returns
            wrote(length);
          }

          @Override
          public void close() throws IOException {
            file.close();
          }
        };
  }

  /** Creates the file (empty) before anyone reads it: a reader may open it before the first byte. */
  static GrowingFile create(Path path) throws IOException {
    return new GrowingFile(path);
  }

  Path path() {
    return path;
  }

  /** The one writer; call {@link #complete} once it is closed, {@link #fail} if it cannot finish. */
  OutputStream writer() {
    return writer;
  }

  /** Every byte is written and the writer closed: readers reach the end. */
  synchronized void complete() {
    complete = true;
    notifyAll();
  }

  /** Stops both sides; the first cause is kept. */
  synchronized void fail(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    notifyAll();
  }

  /** Why the file could not be finished, if it could not. */
  synchronized Throwable failure() {
    return failure;
  }

  /** A reader from the first byte that waits for bytes still to come and ends when the file is complete. */
  InputStream reader() throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    return new InputStream() {
      private long position;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
          return 0;
        }
        long end = awaitBytesAfter(position);
        if (end < 0) {
          return -1;
        }
        int n = channel.read(ByteBuffer.wrap(bytes, offset, (int) Math.min(length, end - position)), position);
        if (n <= 0) {
          throw new IOException(path + ": " + (end - position) + " written bytes at " + position + " could not be read");
        }
        position += n;
        return n;
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  private synchronized void wrote(long bytes) {
    written += bytes;
    notifyAll();
  }

  private synchronized void checkNotFailed() throws IOException {
    if (failure != null) {
      throw new IOException(path + ": stopped, the other side failed", failure);
    }
  }

  /** Waits until a byte after {@code position} is written; returns the bytes written, or -1 at the end. */
  private synchronized long awaitBytesAfter(long position) throws IOException {
    while (written <= position && !complete && failure == null) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + path + " to grow");
      }
    }
    checkNotFailed();
    return written > position ? written : -1;
  }
}
