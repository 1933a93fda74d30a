package dev.storagebuilder.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.aws.support.TricklingAnswerProxy;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Reads from an S3 whose answer trickles in (S3Proxy behind a proxy that passes a GET's answer on a
 * byte at a time): every socket read gets a byte in time, so only the attempt timeout each GET
 * carries, sized to the bytes it asks for, ends it.
 */
class TricklingReadIT {
  private static final int MIB = 1024 * 1024;
  private static final String KEY = "snapshots/trickle/3mib.bin";

  /** Short, so the SDK's three attempts take seconds here. */
  private static final TransferAttemptTimeout QUICK =
      new TransferAttemptTimeout(Duration.ofSeconds(1), 1L << 30);

  /** Well past the three attempts of QUICK; without attempt timeouts the reads go on for days. */
  private static final Duration PATIENCE = Duration.ofSeconds(45);

  private static AwsSettings direct;
  private static TricklingAnswerProxy proxy;
  private static AwsClients clients;
  private static S3ObjectStore store;
  /** Trickles the answers without a body to size a timeout by: HEAD and DELETE. */
  private static TricklingAnswerProxy metadataProxy;
  private static AwsClients metadataClients;
  private static S3ObjectStore metadataStore;

  @BeforeAll
  static void storeAnObjectBehindTheProxy() {
    direct = LocalAws.settings("trickling-read");
    byte[] content = new byte[3 * MIB];
    new SplittableRandom(13).nextBytes(content);
    LocalAws.clients().s3().createBucket(b -> b.bucket(direct.bucket()));
    LocalAws.clients().s3().putObject(b -> b.bucket(direct.bucket()).key(KEY), RequestBody.fromBytes(content));
    proxy = new TricklingAnswerProxy(direct.s3Endpoint().getPort(), line -> line.startsWith("GET "));
    clients = proxy.s3ClientsThrough(direct);
    store = new S3ObjectStore(clients.s3(), direct.bucket(), "snapshots/", S3StoreOptions.defaults(), QUICK);
    metadataProxy =
        new TricklingAnswerProxy(
            direct.s3Endpoint().getPort(), line -> line.startsWith("HEAD ") || line.startsWith("DELETE "));
    metadataClients = metadataProxy.s3ClientsThrough(direct);
    metadataStore =
        new S3ObjectStore(metadataClients.s3(), direct.bucket(), "snapshots/", S3StoreOptions.defaults(), QUICK);
  }

  @AfterAll
  static void stop() {
    store.close();
    clients.close();
    proxy.close();
    metadataStore.close();
    metadataClients.close();
    metadataProxy.close();
  }

  // The calls without a body to size a timeout by have the floor alone: an answer of a few hundred
  // bytes at a byte per 100 ms held the target's thread for a minute a page, attempt after attempt.

  @Test
  void aListingWhoseAnswerTricklesFailsRetryably() {
    assertFailsByAttemptTimeout(proxy, () -> store.list("trickle/"));
  }

  @Test
  void anOpenWhoseHeadTricklesFailsRetryably() {
    assertFailsByAttemptTimeout(metadataProxy, () -> metadataStore.open("trickle/3mib.bin"));
  }

  @Test
  void aDeleteWhoseAnswerTricklesFailsRetryably() {
    assertFailsByAttemptTimeout(metadataProxy, () -> {
      metadataStore.delete("trickle/not-there.bin");
      return null;
    });
  }

  @Test
  void aWholeObjectReadWhoseAnswerTricklesFailsRetryably() {
    assertFailsByAttemptTimeout(proxy, () -> store.get("trickle/3mib.bin"));
  }

  @Test
  void aRangeReadWhoseAnswerTricklesFailsRetryably() {
    assertFailsByAttemptTimeout(proxy, () -> store.getRange("trickle/3mib.bin", 1000, 6400));
  }

  @Test
  void readsOfAnOpenedObjectWhoseBodySlowsDownAfterTheHeadersFailRetryably() throws Exception {
    // Status line, headers and the start of the body at once, then a byte per 100 ms: the SDK has
    // handed the body's stream back by then, and only what bounds reading it ends the read.
    try (TricklingAnswerProxy bodyProxy =
            new TricklingAnswerProxy(direct.s3Endpoint().getPort(), line -> line.startsWith("GET "), 4096);
        AwsClients bodyClients = bodyProxy.s3ClientsThrough(direct);
        S3ObjectStore bodyStore =
            new S3ObjectStore(bodyClients.s3(), direct.bucket(), "snapshots/", S3StoreOptions.defaults(), QUICK);
        RandomAccessObject object = bodyStore.open("trickle/3mib.bin")) {
      assertFailsByAttemptTimeout(bodyProxy, () -> object.read(MIB, new byte[64 * 1024], 0, 64 * 1024));
      assertFailsByAttemptTimeout(bodyProxy, () -> bodyStore.getRange("trickle/3mib.bin", 1000, 64 * 1024));
    }
  }

  @Test
  void readsOfAnOpenedObjectWhoseAnswerTricklesFailRetryably() throws Exception {
    try (RandomAccessObject object = store.open("trickle/3mib.bin")) { // a HEAD: not trickled
      assertFailsByAttemptTimeout(proxy, () -> object.read(10, new byte[100], 0, 100)); // a read-ahead window
      assertFailsByAttemptTimeout(proxy, () -> object.read(MIB, new byte[2 * MIB], 0, 2 * MIB)); // straight in
    }
  }

  private static void assertFailsByAttemptTimeout(TricklingAnswerProxy proxy, Callable<?> read) {
    int trickledBefore = proxy.trickledAnswers();
    CompletableFuture<Object> call =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return read.call();
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });

    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(call::isDone);
    assertThat(proxy.trickledAnswers()).isGreaterThan(trickledBefore);
    assertThat(call)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(ApiCallAttemptTimeoutException.class)
        .satisfies(e -> assertThat(AwsErrors.isTransient(e)).as("retryable").isTrue());
  }
}
