package dev.storagebuilder.aws.s3;

import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Positional reads over ranged GETs. Small reads are served from a read-ahead window fetched in one
 * request; reads at least as large as the window go straight into the caller's buffer. Every GET
 * carries {@code If-Match} with the ETag seen at open, so a reader never stitches two versions of
 * an object together (S3 answers 412 instead), and an attempt timeout sized to its range ({@link
 * TransferAttemptTimeout}).
 *
 * <p>Deliberately not the SDK's multipart download: S3Proxy answers it 501, and a reader seeking
 * around a Parquet file wants ranges, not the whole object.
 */
final class RangedS3Object implements RandomAccessObject {
  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final long length;
  private final String eTag;
  private final int readAhead;
  private final TransferAttemptTimeout timeout;

  private byte[] window = new byte[0];
  private long windowStart;
  private int windowLength;
  private long requests;

  RangedS3Object(
      S3Client s3,
      String bucket,
      String key,
      long length,
      String eTag,
      int readAhead,
      TransferAttemptTimeout timeout) {
    this.timeout = timeout;
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.length = length;
    this.eTag = eTag;
    this.readAhead = readAhead;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public synchronized int read(long position, byte[] buffer, int offset, int count)
      throws IOException {
    Objects.checkFromIndexSize(offset, count, buffer.length);
    if (position < 0) {
      throw new IllegalArgumentException("position must be >= 0, got " + position);
    }
    if (position >= length) {
      return -1;
    }
    if (count == 0) {
      return 0;
    }
    int wanted = (int) Math.min(count, length - position);
    int done = 0;
    while (done < wanted) {
      long at = position + done;
      int rest = wanted - done;
      if (at >= windowStart && at < windowStart + windowLength) {
        int n = (int) Math.min(rest, windowStart + windowLength - at);
        System.arraycopy(window, (int) (at - windowStart), buffer, offset + done, n);
        done += n;
      } else if (rest >= readAhead) {
        fetch(at, buffer, offset + done, rest);
        done += rest;
      } else {
        int size = (int) Math.min(readAhead, length - at);
        if (window.length < size) {
          window = new byte[size];
        }
        windowLength = 0;
        fetch(at, window, 0, size);
        windowStart = at;
        windowLength = size;
      }
    }
    return done;
  }

  /** GET requests made so far (tests check that read-ahead keeps small reads cheap). */
  synchronized long requests() {
    return requests;
  }

  private void fetch(long start, byte[] into, int offset, int size) throws IOException {
    requests++;
    String range = "bytes=" + start + "-" + (start + size - 1);
    // The body is read inside the call, by the transformer, so the attempt timeout bounds it too:
    // a stream handed back (getObject(request)) is read after the attempt has ended, and a body
    // that slowed to a trickle after its headers held the target's thread for good.
    int read =
        s3.getObject(
            b -> {
              b.bucket(bucket).key(key).range(range).overrideConfiguration(timeout.forRequestOf(size));
              if (eTag != null) {
                b.ifMatch(eTag);
              }
            },
            (GetObjectResponse response, AbortableInputStream in) -> readFully(in, into, offset, size));
    if (read < size) {
      throw new EOFException(
          "s3://" + bucket + "/" + key + ": range " + range + " returned " + read + " bytes");
    }
  }

  private static int readFully(InputStream in, byte[] into, int offset, int size)
      throws IOException {
    int total = 0;
    while (total < size) {
      int n = in.read(into, offset + total, size - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
