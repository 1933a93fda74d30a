package dev.storagebuilder.aws.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Content that must be exactly as long as announced. The SDK sends a request's announced length
 * and stops reading there, so content that goes on was stored cut off without a word; content that
 * ends early is refused by the SDK as a retryable client error. Either is a miscount of the
 * caller's, which no retry mends: the first read that finds it records it in {@code mismatch} (for
 * the caller to throw once the SDK gave up) and fails the request with an unchecked exception, which
 * the SDK does not retry.
 */
final class AnnouncedLengthInputStream extends FilterInputStream {
  private final long announced;
  private final String location;
  private final AtomicReference<IOException> mismatch;
  private long read;

  AnnouncedLengthInputStream(
      InputStream in, long announced, String location, AtomicReference<IOException> mismatch) {
    super(in);
    this.announced = announced;
    this.location = location;
    this.mismatch = mismatch;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (read == announced) {
      return -1;
    }
    int n = in.read(buffer, offset, (int) Math.min(length, announced - read));
    if (n < 0) {
      throw refuse("the content ended after " + read + " bytes");
    }
    read += n;
    if (read == announced && in.read() >= 0) {
      // Checked before the last bytes go out: the object is never completed.
      throw refuse("the content goes on past them");
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return super.skip(Math.min(n, announced - read));
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private IllegalStateException refuse(String what) {
    IOException failure =
        new IOException(location + ": " + announced + " bytes were announced, " + what);
    mismatch.compareAndSet(null, failure);
    return new IllegalStateException(failure.getMessage());
  }
}
