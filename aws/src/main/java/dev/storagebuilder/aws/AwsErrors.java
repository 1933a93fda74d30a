package dev.storagebuilder.aws;

import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Whether an AWS SDK failure is worth trying again later (as a whole target, by SQS redelivery),
 * once the SDK's own retries are spent.
 *
 * <p>Why not just {@link SdkException#retryable()}: in SDK 2.x it is {@code false} for every
 * service exception (a 503 {@code SlowDown} included) and true only for the SDK's internal {@code
 * RetryableException}. The SDK's retry strategy decides with status codes, throttling and error
 * codes instead; this mirrors that decision for the layer above.
 */
public final class AwsErrors {
  /** Error codes the SDK's STANDARD strategy treats as transient although their status is 4xx. */
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "RequestTimeout",
          "RequestTimeoutException",
          "PriorRequestNotComplete",
          "ProvisionedThroughputExceededException",
          "RequestLimitExceeded",
          "ThrottlingException",
          "Throttling",
          "SlowDown",
          "TransactionInProgressException",
          "InternalError",
          "ServiceUnavailable",
          "RequestThrottled",
          "RequestThrottledException",
          "KmsThrottled",
          "KmsThrottledException");

  private AwsErrors() {}

  /**
   * True for throttling, 5xx answers, known transient error codes, and client-side failures such as
   * connection errors and timeouts; false for everything else (bad requests, access denied, missing
   * resources) and for {@link AbortedException} (the call was interrupted on purpose).
   */
  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof AbortedException) {
        return false;
      }
      if (t instanceof SdkServiceException service) {
        if (service.retryable() || service.isThrottlingException() || service.statusCode() >= 500) {
          return true;
        }
        String code =
            service instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                ? aws.awsErrorDetails().errorCode()
                : null;
        return code != null && TRANSIENT_CODES.contains(code);
      }
      if (t instanceof SdkClientException) {
        // Connection refused/reset, timeouts, unreadable responses: the network's fault.
        return true;
      }
      if (t instanceof SdkException sdk && sdk.retryable()) {
        return true;
      }
    }
    return false;
  }
}
