package dev.storagebuilder.aws.s3;

import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * How long one attempt of a request that moves an object's bytes (PutObject, UploadPart, GetObject)
 * may take: {@code floor} plus its bytes at {@code minBytesPerSecond}.
 *
 * <p>Why transfers need one: a server or network path that stops reading an upload's body leaves
 * the socket write blocked, and no socket option bounds a write (the socket timeout bounds reads
 * only; aws-sdk-java-v2 #1505); and an answer that trickles in a byte at a time never lets the
 * socket timeout fire. Either held the target's thread for good. The SDK's attempt timeout aborts
 * the request, which closes the connection under the blocked write or read; the attempt then fails
 * as retryable and the SDK retries it. Why per request and sized to the bytes, not one for the S3
 * client: a part of up to 512 MiB or a 5 GiB PUT takes as long as its bytes take. HEAD, LIST,
 * DELETE, CreateMultipartUpload and AbortMultipartUpload get the floor alone (their answers trickled
 * in the same way); CompleteMultipartUpload gets none, as S3 may take minutes to answer it.
 */
record TransferAttemptTimeout(Duration floor, long minBytesPerSecond) {
  /**
   * 30 s for the request and S3's answer, plus 128 KiB/s: an 8 MiB part may take 94 s, 64 parts
   * in flight at once on one task still get 8 MiB/s between them before any is given up.
   */
  static final TransferAttemptTimeout DEFAULT =
      new TransferAttemptTimeout(Duration.ofSeconds(30), 128 * 1024);

  TransferAttemptTimeout {
    Objects.requireNonNull(floor, "floor");
    if (floor.isNegative() || floor.isZero()) {
      throw new IllegalArgumentException("floor must be positive, got " + floor);
    }
    if (minBytesPerSecond < 1) {
      throw new IllegalArgumentException("minBytesPerSecond must be positive, got " + minBytesPerSecond);
    }
  }

  /** The attempt timeout of a request that sends or receives {@code bytes}. */
  Duration forBytes(long bytes) {
    // No overflow: a request moves at most 5 GiB.
    return floor.plusMillis(bytes * 1000 / minBytesPerSecond);
  }

  /** The request override that sets it. */
  AwsRequestOverrideConfiguration forRequestOf(long bytes) {
    return AwsRequestOverrideConfiguration.builder().apiCallAttemptTimeout(forBytes(bytes)).build();
  }
}
