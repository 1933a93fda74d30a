package dev.storagebuilder.aws.s3;

import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * How long one attempt of an upload request (PutObject, UploadPart) may take: {@code floor} plus
 * its body at {@code minBytesPerSecond}.
 *
 * <p>Why uploads need one: a server or network path that stops reading the body leaves the socket
 * write blocked, and no socket option bounds a write (the socket timeout bounds reads only;
 * aws-sdk-java-v2 #1505), so the target's thread waited for good. The SDK's attempt timeout aborts
 * the request, which closes the connection under the blocked write; the attempt then fails as
 * retryable and the SDK retries it. Why per request and sized to the body, not one for the S3
 * client: a part of up to 512 MiB or a 5 GiB PUT takes as long as its bytes take, and GETs of
 * whole objects would be cut off by a bound sized for small calls.
 */
record UploadAttemptTimeout(Duration floor, long minBytesPerSecond) {
  /**
   * 30 s for the request and S3's answer, plus 128 KiB/s: an 8 MiB part may take 94 s, 64 parts
   * in flight at once on one task still get 8 MiB/s between them before any is given up.
   */
  static final UploadAttemptTimeout DEFAULT =
      new UploadAttemptTimeout(Duration.ofSeconds(30), 128 * 1024);

  UploadAttemptTimeout {
    Objects.requireNonNull(floor, "floor");
    if (floor.isNegative() || floor.isZero()) {
      throw new IllegalArgumentException("floor must be positive, got " + floor);
    }
    if (minBytesPerSecond < 1) {
      throw new IllegalArgumentException("minBytesPerSecond must be positive, got " + minBytesPerSecond);
    }
  }

  /** The attempt timeout of an upload of {@code bytes}. */
  Duration forBytes(long bytes) {
    // No overflow: an upload request carries at most 5 GiB.
    return floor.plusMillis(bytes * 1000 / minBytesPerSecond);
  }

  /** The request override that sets it. */
  AwsRequestOverrideConfiguration forRequestOf(long bytes) {
    return AwsRequestOverrideConfiguration.builder().apiCallAttemptTimeout(forBytes(bytes)).build();
  }
}
