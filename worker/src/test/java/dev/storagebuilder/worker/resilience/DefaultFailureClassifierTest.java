package dev.storagebuilder.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotDataException;
import dev.storagebuilder.common.snapshot.SnapshotFormatException;
import dev.storagebuilder.worker.port.FailureClassifier.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class DefaultFailureClassifierTest {
  private final DefaultFailureClassifier classifier = new DefaultFailureClassifier();

  @Test
  void connectionFailuresAndDeadlocksAreRetryable() {
    assertThat(classifier.classify(new SQLException("gone", "08006")).retryable()).isTrue();
    assertThat(classifier.classify(new SQLException("deadlock", "40P01")).retryable()).isTrue();
    assertThat(classifier.classify(new SQLException("serialization", "40001")).retryable()).isTrue();
    assertThat(classifier.classify(new SQLTransientConnectionException("pool timeout")).retryable()).isTrue();
    assertThat(classifier.classify(new RuntimeException(new SQLException("admin shutdown", "57P01"))).reasonCode())
        .isEqualTo("source-unavailable");
  }

  @Test
  void schemaMismatchIsPermanent() {
    Failure failure = classifier.classify(new SQLException("column \"x\" does not exist", "42703"));
    assertThat(failure.retryable()).isFalse();
    assertThat(failure.reasonCode()).isEqualTo("schema-mismatch");
    assertThat(failure.detail()).contains("column \"x\" does not exist");
  }

  @Test
  void aManifestOfALaterReleaseIsRetriedAndAnUnreadableOneIsNot() {
    Failure newer =
        classifier.classify(new RuntimeException(assertThrows(() -> ManifestCodec.decode(
            "{\"schemaVersion\" : 99}".getBytes(StandardCharsets.UTF_8)))));
    assertThat(newer.retryable()).isTrue();
    assertThat(newer.reasonCode()).isEqualTo("snapshot-format-newer");
    assertThat(newer.detail()).contains("schemaVersion 99 is not supported");

    Failure older = classifier.classify(assertThrows(() -> ManifestCodec.decode(
        "{\"schemaVersion\" : 0}".getBytes(StandardCharsets.UTF_8))));
    assertThat(older.retryable()).isFalse();
    Failure garbled = classifier.classify(assertThrows(() -> ManifestCodec.decode(
        "not json".getBytes(StandardCharsets.UTF_8))));
    assertThat(garbled.retryable()).isFalse(); // though the parser's IOException is its cause
    assertThat(garbled.reasonCode()).isEqualTo("snapshot-format");
  }

  private static SnapshotFormatException assertThrows(Runnable decode) {
    return org.junit.jupiter.api.Assertions.assertThrows(SnapshotFormatException.class, decode::run);
  }

  @Test
  void unserializableDataIsPermanent() {
    Failure failure = classifier.classify(new SnapshotDataException("amount: 1e40 does not fit DECIMAL(18,4)"));
    assertThat(failure.retryable()).isFalse();
    assertThat(failure.reasonCode()).isEqualTo("unserializable-data");
  }

  @Test
  void theSdkDecidesForAwsErrors() {
    S3Exception throttled = (S3Exception) S3Exception.builder().statusCode(503).message("slow down").build();
    assertThat(classifier.classify(throttled).retryable()).isTrue();
    S3Exception denied = (S3Exception) S3Exception.builder().statusCode(403).message("denied").build();
    assertThat(classifier.classify(denied).retryable()).isFalse();
    assertThat(classifier.classify(SdkClientException.create("connect timed out", new IOException("timeout"))).retryable())
        .isTrue();
    S3Exception throttling = (S3Exception) S3Exception.builder().statusCode(429).message("too many").build();
    assertThat(classifier.classify(throttling).reasonCode()).isEqualTo("aws-unavailable");
  }

  @Test
  void ioErrorsAreRetryableAndUnknownErrorsAreNot() {
    assertThat(classifier.classify(new IOException("connection reset")).retryable()).isTrue();
    Failure unknown = classifier.classify(new IllegalStateException("bug"));
    assertThat(unknown.retryable()).isFalse();
    assertThat(unknown.reasonCode()).isEqualTo("unexpected-error");
  }

  @Test
  void aLostConnectionIsRetryableEvenWhenTheDriverCallsItNonTransient() {
    DefaultFailureClassifier classifier = new DefaultFailureClassifier();
    java.sql.SQLException h2Closed = new java.sql.SQLNonTransientConnectionException("Database is already closed", "90121", 90121);
    java.sql.SQLException reset =
        new java.sql.SQLException("IO Exception", "90028", 90028, new java.net.SocketException("Connection reset"));

    org.assertj.core.api.Assertions.assertThat(classifier.classify(h2Closed).retryable()).isTrue();
    org.assertj.core.api.Assertions.assertThat(classifier.classify(reset).retryable()).isTrue();
    org.assertj.core.api.Assertions.assertThat(classifier.classify(h2Closed).reasonCode()).isEqualTo("source-unavailable");
    org.assertj.core.api.Assertions.assertThat(
        classifier.classify(new java.sql.SQLSyntaxErrorException("bad column", "42S22", 42122)).retryable()).isFalse();
  }

  @Test
  void dynamoDbThrottlingIsRetryable() {
    Throwable throughput =
        software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException.builder()
            .statusCode(400)
            .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                .errorCode("ProvisionedThroughputExceededException").build())
            .message("slow down").build();
    Throwable throttled =
        software.amazon.awssdk.services.dynamodb.model.DynamoDbException.builder()
            .statusCode(400)
            .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                .errorCode("ThrottlingException").build())
            .message("rate exceeded").build();

    assertThat(classifier.classify(throughput).retryable()).isTrue();
    assertThat(classifier.classify(throughput).reasonCode()).isEqualTo("aws-unavailable");
    assertThat(classifier.classify(throttled).retryable()).isTrue();
  }
}
