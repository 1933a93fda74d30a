package dev.storagebuilder.aws.s3;

import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/** The first {@code length} bytes of equal-sized chunks, in order, as one stream (a part's body). */
final class ChunksInputStream extends InputStream {
  private final List<byte[]> chunks;
  private final int length;
  private int position;

  ChunksInputStream(List<byte[]> chunks, int length) {
    this.chunks = chunks;
    this.length = length;
  }

  @Override
  public int read() {
    if (position == length) {
      return -1;
    }
    int at = position++;
    return chunks.get(at / MultipartObjectOutput.CHUNK)[at % MultipartObjectOutput.CHUNK] & 0xff;
  }

  @Override
  public int read(byte[] target, int offset, int count) {
    Objects.checkFromIndexSize(offset, count, target.length);
    if (count == 0) {
      return 0;
    }
    if (position == length) {
      return -1;
    }
    int n = Math.min(count, length - position);
    for (int copied = 0; copied < n; ) {
      int within = position % MultipartObjectOutput.CHUNK;
      int step = Math.min(n - copied, MultipartObjectOutput.CHUNK - within);
      System.arraycopy(chunks.get(position / MultipartObjectOutput.CHUNK), within, target, offset + copied, step);
      copied += step;
      position += step;
    }
    return n;
  }

  @Override
  public long skip(long count) {
    long n = Math.max(0, Math.min(count, length - position));
    position += (int) n;
    return n;
  }

  @Override
  public int available() {
    return length - position;
  }
}
