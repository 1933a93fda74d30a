package dev.storagebuilder.common.testing;

import dev.storagebuilder.common.storage.ObjectOutput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An {@link ObjectOutput} onto a local file (for independent readers such as DuckDB): written to a
 * temporary sibling and moved into place on close, deleted on abort.
 */
public final class FileObjectOutput extends ObjectOutput {
  private final Path target;
  private final Path partial;
  private final OutputStream out;
  private long position;
  private boolean done;

  public FileObjectOutput(Path target) throws IOException {
    this.target = target;
    this.partial = target.resolveSibling(target.getFileName() + ".partial");
    this.out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    position++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    position += len;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public void abort() {
    if (done) {
      return;
    }
    done = true;
    try {
      out.close();
      Files.deleteIfExists(partial);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    out.close();
    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
  }
}
