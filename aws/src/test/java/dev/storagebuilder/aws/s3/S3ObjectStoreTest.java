package dev.storagebuilder.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ObjectStoreTest {
  private static final int MIB = 1024 * 1024;
  private static final int PART = 5 * MIB;

  private final FakeS3Client s3 = new FakeS3Client();
  private final S3ObjectStore store =
      new S3ObjectStore(s3, "bucket", "snapshots/", new S3StoreOptions(PART, 2, MIB));

  @AfterEach
  void stop() {
    store.close();
  }

  @Test
  void keysADeleteObjectsRequestRefusesOneByOneComeBackWithWhyAndTheRestAreDeleted() throws IOException {
    s3.objects.put("snapshots/a", new byte[] {1});
    s3.objects.put("snapshots/b", new byte[] {2});
    s3.objects.put("snapshots/c", new byte[] {3});
    s3.refusedDeletes.add("snapshots/b");

    List<FailedDelete> failed = store.deleteAll(List.of("a", "b", "c"));

    assertThat(failed).containsExactly(new FailedDelete("b", "AccessDenied: Access Denied"));
    assertThat(s3.objects).containsOnlyKeys("snapshots/b");
    assertThat(s3.calls).containsExactly("deleteObjects 3");
  }

  @Test
  void objectSmallerThanOnePartIsOnePutObjectWithoutMultipartUpload() throws IOException {
    byte[] content = bytes(1000, 1);
    try (ObjectOutput out = store.create("a/manifest.json")) {
      out.write(content);
      assertThat(out.position()).isEqualTo(1000);
    }

    assertThat(s3.calls).containsExactly("put snapshots/a/manifest.json");
    assertThat(s3.objects.get("snapshots/a/manifest.json")).isEqualTo(content);
  }

  @Test
  void objectOfExactlyOnePartIsStillOnePutObject() throws IOException {
    byte[] content = bytes(PART, 2);
    try (ObjectOutput out = store.create("one-part")) {
      out.write(content);
    }

    assertThat(s3.calls).containsExactly("put snapshots/one-part");
    assertThat(s3.objects.get("snapshots/one-part")).isEqualTo(content);
  }

  @Test
  void emptyObjectIsPublishedEmpty() throws IOException {
    store.create("empty").close();

    assertThat(s3.objects.get("snapshots/empty")).isEmpty();
  }

  @Test
  void partsOfASizeThatIsNoMultipleOfTheChunkGoOutWholeWithTheirChecksums() throws IOException {
    int odd = PART + 1_000;
    byte[] content = bytes(2 * odd + 77, 9);
    try (S3ObjectStore oddParts = new S3ObjectStore(s3, "bucket", "snapshots/", new S3StoreOptions(odd, 2, MIB));
        ObjectOutput out = oddParts.create("odd")) {
      for (int i = 0; i < 1_000; i++) {
        out.write(content[i]);
      }
      writeInOddChunks(out, Arrays.copyOfRange(content, 1_000, content.length));
    }

    assertThat(s3.objects.get("snapshots/odd")).isEqualTo(content);
    assertThat(s3.parts.get(1)).hasSize(odd);
    assertThat(s3.parts.get(2)).hasSize(odd);
    assertThat(s3.parts.get(3)).hasSize(77);
  }

  @Test
  void aSmallObjectTakesOnlyTheChunksItNeeds() throws IOException {
    byte[] content = bytes(MultipartObjectOutput.CHUNK + 1, 10);
    MultipartObjectOutput out = (MultipartObjectOutput) store.create("small");
    out.write(content);
    assertThat(out.bytesAllocated()).isEqualTo(2L * MultipartObjectOutput.CHUNK);
    out.close();

    assertThat(s3.objects.get("snapshots/small")).isEqualTo(content);
  }

  @Test
  void largeObjectGoesOutInPartsOfPartSizeCompletedInOrder() throws IOException {
    byte[] content = bytes(2 * PART + 123_457, 3);
    try (ObjectOutput out = store.create("big")) {
      writeInOddChunks(out, content);
      assertThat(out.position()).isEqualTo(content.length);
    }

    assertThat(s3.calls).containsExactly("create snapshots/big", "complete snapshots/big");
    assertThat(s3.completedPartNumbers).containsExactly(1, 2, 3);
    assertThat(s3.objects.get("snapshots/big")).isEqualTo(content);
  }

  @Test
  void aCompletionAnsweredNoSuchUploadPublishesWhenTheObjectsCompositeChecksumIsThisUploads()
      throws IOException {
    // The ETag of the fake's parts is no MD5 (as under SSE-KMS): the CRC32s must tell instead.
    s3.loseCompletionAnswer = true;
    byte[] content = bytes(2 * PART + 99, 12);
    try (ObjectOutput out = store.create("lost-answer")) {
      out.write(content);
    }

    assertThat(s3.calls)
        .containsExactly("create snapshots/lost-answer", "complete snapshots/lost-answer", "head snapshots/lost-answer");
    assertThat(s3.objects.get("snapshots/lost-answer")).isEqualTo(content);
  }

  @Test
  void aCompletionAnsweredNoSuchUploadFailsWhenTheObjectsChecksumIsAnotherUploads() throws IOException {
    s3.loseCompletionAnswer = true;
    s3.afterLostCompletion =
        () -> {
          s3.objects.put("snapshots/lost-answer", new byte[] {1});
          s3.compositeChecksums.put("snapshots/lost-answer", "AAAAAA==-1"); // someone else's object
        };
    ObjectOutput out = store.create("lost-answer");
    out.write(bytes(2 * PART + 99, 13));

    assertThatThrownBy(out::close)
        .isInstanceOf(S3Exception.class)
        .satisfies(e -> assertThat(((S3Exception) e).awsErrorDetails().errorCode()).isEqualTo("NoSuchUpload"));
    assertThat(s3.objects.get("snapshots/lost-answer")).containsExactly(1);
  }

  @Test
  void writeBlocksWhileMaxPartsAreInFlightAndMemoryStaysAtKPlusOneParts() throws Exception {
    s3.partGate.drainPermits(); // every part upload waits at the gate
    byte[] content = bytes(6 * PART, 4);
    MultipartObjectOutput out = (MultipartObjectOutput) store.create("held");
    long started = System.nanoTime();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                writeInOddChunks(out, content);
                out.close();
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });

    await().atMost(Duration.ofSeconds(10)).until(() -> s3.partsStarted.get() == 2);
    // The writer has filled the third buffer and waits for a slot; it cannot get further.
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !writer.isDone() && s3.partsStarted.get() == 2);
    assertThat(out.position()).isEqualTo(3L * PART); // three full parts, nothing more
    assertThat(out.bytesAllocated()).isEqualTo(3L * PART);

    s3.partGate.release(Integer.MAX_VALUE / 2);
    writer.get(30, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - started;

    assertThat(s3.maxPartsInFlight.get()).isEqualTo(2);
    assertThat(out.bytesAllocated()).isLessThanOrEqualTo(3L * PART);
    assertThat(s3.objects.get("snapshots/held")).isEqualTo(content);
    // The writer was held for at least the 300 ms above: that is its wait on the store.
    assertThat(out.waitedNanos()).isBetween(Duration.ofMillis(300).toNanos(), elapsed);
  }

  @Test
  void failedPartAbortsTheUploadAndSurfacesTheSdkException() {
    S3Exception unavailable =
        (S3Exception)
            S3Exception.builder()
                .statusCode(503)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("SlowDown")
                        .errorMessage("slow down")
                        .build())
                .build();
    s3.partFailure = partNumber -> partNumber == 2 ? unavailable : null;
    byte[] content = bytes(4 * PART, 5);

    assertThatThrownBy(
            () -> {
              try (ObjectOutput out = store.create("failing")) {
                writeInOddChunks(out, content);
              }
            })
        .isSameAs(unavailable)
        .satisfies(e -> assertThat(AwsErrors.isTransient(e)).isTrue());

    assertThat(s3.calls).containsExactly("create snapshots/failing", "abort snapshots/failing");
    assertThat(s3.objects).doesNotContainKey("snapshots/failing");
  }

  @Test
  void anObjectOfMorePartsThanS3AllowsFailsForGoodNamingTheWorkerSettingAndIsAborted() {
    // With S3's limit at 2 parts, the third part is one too many (10,000 at 8 MiB is ~78 GiB).
    java.util.concurrent.ExecutorService parts = java.util.concurrent.Executors.newCachedThreadPool();
    ObjectOutput out =
        new MultipartObjectOutput(
            s3, "bucket", "snapshots/huge", "application/octet-stream", new S3StoreOptions(PART, 2, MIB), parts, 2);

    // Not an IOException: that is an I/O error to try again, and each try uploaded the 10,000
    // parts again before failing the same way. No retry changes the part size.
    assertThatThrownBy(
            () -> {
              writeInOddChunks(out, bytes(3 * PART + 1, 11));
              out.close();
            })
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("s3://bucket/snapshots/huge exceeds S3's 2 parts")
        .hasMessageContaining("worker.part-bytes");

    assertThat(s3.calls).containsExactly("create snapshots/huge", "abort snapshots/huge");
    assertThat(s3.objects).doesNotContainKey("snapshots/huge");
    parts.shutdown();
  }

  @Test
  void abortDiscardsTheUploadIsIdempotentAndRefusesLaterWrites() throws IOException {
    ObjectOutput out = store.create("aborted");
    out.write(bytes(PART + 10, 6));

    out.abort();
    out.abort();

    assertThat(s3.calls).containsExactly("create snapshots/aborted", "abort snapshots/aborted");
    assertThatThrownBy(() -> out.write(1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("aborted");
    assertThatThrownBy(out::close).isInstanceOf(IOException.class);
    assertThat(s3.objects).doesNotContainKey("snapshots/aborted");
  }

  @Test
  void abortBeforeTheFirstPartSendsNothing() throws IOException {
    ObjectOutput out = store.create("tiny");
    out.write(bytes(10, 7));
    out.abort();

    assertThat(s3.calls).isEmpty();
  }

  @Test
  void smallReadsAreServedFromOneReadAheadWindow() throws IOException {
    byte[] content = bytes(3 * MIB + 17, 8);
    store.put("read/me", content, "application/octet-stream");

    try (RandomAccessObject object = store.open("read/me")) {
      assertThat(object.length()).isEqualTo(content.length);
      byte[] small = new byte[100];
      for (int i = 0; i < 50; i++) {
        assertThat(object.read(1000L + i * 100, small, 0, 100)).isEqualTo(100);
        assertThat(small).isEqualTo(Arrays.copyOfRange(content, 1000 + i * 100, 1100 + i * 100));
      }
      assertThat(((RangedS3Object) object).requests()).isEqualTo(1);

      byte[] large = new byte[2 * MIB];
      assertThat(object.read(MIB, large, 0, large.length)).isEqualTo(large.length);
      assertThat(large).isEqualTo(Arrays.copyOfRange(content, MIB, 3 * MIB));

      byte[] tail = new byte[100];
      assertThat(object.read(content.length - 17, tail, 0, 100)).isEqualTo(17);
      assertThat(object.read(content.length, tail, 0, 100)).isEqualTo(-1);
    }
    assertThat(s3.ranges)
        .containsExactly("bytes=1000-1049575", "bytes=1049576-3145727", "bytes=3145728-3145744");
  }

  @Test
  void absentObjectsAreNoSuchFile() {
    assertThatThrownBy(() -> store.get("missing")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> store.open("missing")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void keysMustBeRelative() {
    assertThatThrownBy(() -> store.create("/abs")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create("")).isInstanceOf(IllegalArgumentException.class);
  }

  static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Chunk sizes that straddle part boundaries, plus single-byte writes. */
  static void writeInOddChunks(ObjectOutput out, byte[] content) throws IOException {
    int offset = 0;
    int[] sizes = {1, 333_333, 7, 1_048_576, 65_537};
    int i = 0;
    while (offset < content.length) {
      int n = Math.min(sizes[i++ % sizes.length], content.length - offset);
      if (n == 1) {
        out.write(content[offset]);
      } else {
        out.write(content, offset, n);
      }
      offset += n;
    }
  }
}
