package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectOutput;
import java.io.IOException;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Parquet's view of an {@link ObjectOutput}. Closing the Parquet stream does not close the upload:
 * the writer publishes it only after the footer is written ({@link SnapshotWriter#finish()}), so a
 * failure anywhere before leaves nothing visible.
 */
final class ObjectOutputFile implements OutputFile {
  private final ObjectOutput out;

  ObjectOutputFile(ObjectOutput out) {
    this.out = out;
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) {
    return new Stream();
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) {
    return new Stream();
  }

  @Override
  public boolean supportsBlockSize() {
    return false;
  }

  @Override
  public long defaultBlockSize() {
    return 0;
  }

  @Override
  public String getPath() {
    return "snapshot object";
  }

  private final class Stream extends PositionOutputStream {
    @Override
    public long getPos() {
      return out.position();
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    /** Not forwarded: an upload flushes whole parts as they fill, never on request. */
    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
