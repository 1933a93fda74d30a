package dev.storagebuilder.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.model.MessageNotInflightException;
import software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException;
import software.amazon.awssdk.services.sqs.model.SqsException;

class AwsErrorsTest {
  @Test
  void serverErrorsAreTransientAlthoughTheSdkSaysNotRetryable() {
    S3Exception unavailable = (S3Exception) S3Exception.builder().statusCode(503).build();

    assertThat(unavailable.retryable()).isFalse();
    assertThat(AwsErrors.isTransient(unavailable)).isTrue();
  }

  @Test
  void throttlingIsTransient() {
    var throttled =
        ProvisionedThroughputExceededException.builder()
            .statusCode(400)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode("ProvisionedThroughputExceededException")
                    .build())
            .build();
    assertThat(AwsErrors.isTransient(throttled)).isTrue();
    assertThat(AwsErrors.isTransient(S3Exception.builder().statusCode(429).build())).isTrue();
  }

  @Test
  void clientSideFailuresAreTransientEvenWhenWrapped() {
    SdkClientException reset =
        SdkClientException.create("Unable to execute HTTP request", new IOException("reset"));
    assertThat(AwsErrors.isTransient(new UncheckedIOException(new IOException(reset)))).isTrue();
  }

  @Test
  void badRequestsConditionFailuresAndInterruptsAreNot() {
    var denied =
        S3Exception.builder()
            .statusCode(403)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").build())
            .build();
    assertThat(AwsErrors.isTransient(denied)).isFalse();
    assertThat(
            AwsErrors.isTransient(
                ConditionalCheckFailedException.builder().statusCode(400).build()))
        .isFalse();
    assertThat(AwsErrors.isTransient(AbortedException.create("interrupted"))).isFalse();
    assertThat(AwsErrors.isTransient(new IllegalStateException("bug"))).isFalse();
  }

  /** The lease heartbeat tries a transient failure again and gives the target up on any other. */
  @Test
  void aThrottledOrUnavailableQueueIsTransientAMessageNoLongerOursIsNot() {
    var throttled =
        SqsException.builder()
            .statusCode(400)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("RequestThrottled").build())
            .build();
    assertThat(AwsErrors.isTransient(throttled)).isTrue();
    assertThat(AwsErrors.isTransient(SqsException.builder().statusCode(503).build())).isTrue();

    var invalidHandle =
        ReceiptHandleIsInvalidException.builder()
            .statusCode(400)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("ReceiptHandleIsInvalid").build())
            .build();
    var notInflight =
        MessageNotInflightException.builder()
            .statusCode(400)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode("AWS.SimpleQueueService.MessageNotInflight").build())
            .build();
    assertThat(AwsErrors.isTransient(invalidHandle)).isFalse();
    assertThat(AwsErrors.isTransient(notInflight)).isFalse();
  }
}
