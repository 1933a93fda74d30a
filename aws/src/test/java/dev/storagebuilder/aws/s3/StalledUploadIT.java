package dev.storagebuilder.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.aws.support.UnreadBodyProxy;
import dev.storagebuilder.common.storage.ObjectOutput;
import java.io.ByteArrayInputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;

/**
 * Uploads to an S3 that stops reading the body (S3Proxy behind a proxy that leaves a request's body
 * unread): the socket write blocks, which no socket timeout ends (aws-sdk-java-v2 #1505), so each
 * upload request carries an attempt timeout sized to its body, and the SDK aborts the attempt.
 */
class StalledUploadIT {
  private static final int MIB = 1024 * 1024;

  /** Short, so the SDK's three attempts take seconds here; production's are sized in the class. */
  private static final TransferAttemptTimeout QUICK =
      new TransferAttemptTimeout(Duration.ofSeconds(1), 1L << 30);

  /** Well past the three attempts of QUICK; without attempt timeouts the uploads block for good. */
  private static final Duration PATIENCE = Duration.ofSeconds(45);

  @Test
  void aPartUploadThatTheServerStopsReadingFailsRetryablyAndTheUploadIsAborted() throws Exception {
    AwsSettings direct = LocalAws.settings("stalled-part");
    try (UnreadBodyProxy proxy =
            new UnreadBodyProxy(
                direct.s3Endpoint().getPort(), line -> line.startsWith("PUT ") && line.contains("partNumber="));
        AwsClients clients = proxy.s3ClientsThrough(direct);
        S3ObjectStore store = store(clients, direct)) {
      store.ensureBucket();
      byte[] content = new byte[11 * MIB];
      new SplittableRandom(5).nextBytes(content);

      CompletableFuture<Void> upload =
          CompletableFuture.runAsync(
              () -> {
                try {
                  ObjectOutput out = store.create("stalled/parts.bin");
                  out.write(content);
                  out.close();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });

      assertFailsByAttemptTimeout(upload);
      assertThat(proxy.stalledRequests()).isGreaterThanOrEqualTo(1);
      assertThat(LocalAws.clients().s3().listMultipartUploads(b -> b.bucket(direct.bucket())).uploads())
          .as("the upload was aborted")
          .isEmpty();
      assertThatThrownBy(() -> store.get("stalled/parts.bin")).isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void aPutThatTheServerStopsReadingFailsRetryably() throws Exception {
    assertStalledPutFails((store, content) -> store.put("stalled/put.bin", content, null));
  }

  @Test
  void aStreamedPutThatTheServerStopsReadingFailsRetryably() throws Exception {
    assertStalledPutFails(
        (store, content) ->
            store.putStream(
                "stalled/put.bin", content.length, () -> new ByteArrayInputStream(content), null));
  }

  @Test
  void aDefaultAttemptAllowsADefaultPartOverAMinuteAndGrowsWithTheBody() {
    assertThat(TransferAttemptTimeout.DEFAULT.forBytes(S3StoreOptions.DEFAULT_PART_SIZE))
        .isGreaterThan(Duration.ofMinutes(1));
    assertThat(TransferAttemptTimeout.DEFAULT.forBytes(2L * S3StoreOptions.DEFAULT_PART_SIZE))
        .isGreaterThan(TransferAttemptTimeout.DEFAULT.forBytes(S3StoreOptions.DEFAULT_PART_SIZE));
    assertThat(QUICK.forBytes(0)).isEqualTo(Duration.ofSeconds(1));
  }

  private interface Put {
    void to(S3ObjectStore store, byte[] content) throws Exception;
  }

  private static void assertStalledPutFails(Put put) throws Exception {
    AwsSettings direct = LocalAws.settings("stalled-put");
    Predicate<String> anyPut = line -> line.startsWith("PUT ");
    try (UnreadBodyProxy proxy = new UnreadBodyProxy(direct.s3Endpoint().getPort(), anyPut);
        AwsClients clients = proxy.s3ClientsThrough(direct);
        S3ObjectStore store = store(clients, direct)) {
      LocalAws.clients().s3().createBucket(b -> b.bucket(direct.bucket()));
      // Far more than the socket buffers of both ends take in.
      byte[] content = new byte[32 * MIB];
      new SplittableRandom(9).nextBytes(content);

      CompletableFuture<Void> upload =
          CompletableFuture.runAsync(
              () -> {
                try {
                  put.to(store, content);
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });

      assertFailsByAttemptTimeout(upload);
      assertThat(proxy.stalledRequests()).isGreaterThanOrEqualTo(1);
    }
  }

  private static void assertFailsByAttemptTimeout(CompletableFuture<Void> upload) {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(upload::isDone);
    assertThat(upload)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(ApiCallAttemptTimeoutException.class)
        .satisfies(e -> assertThat(AwsErrors.isTransient(e)).as("retryable").isTrue());
  }

  private static S3ObjectStore store(AwsClients clients, AwsSettings direct) {
    return new S3ObjectStore(
        clients.s3(),
        direct.bucket(),
        "snapshots/",
        S3StoreOptions.defaults().withPartSize(5 * MIB),
        QUICK);
  }
}
