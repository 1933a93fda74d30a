package dev.storagebuilder.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/** The object store against S3Proxy: real multipart uploads, ranged GETs, listings. */
class S3ObjectStoreIT {
  private static final int MIB = 1024 * 1024;

  private static AwsSettings settings;
  private static S3Client s3;
  private static S3ObjectStore store;

  @BeforeAll
  static void createBucket() {
    settings = LocalAws.settings("objects");
    s3 = LocalAws.clients().s3();
    store =
        new S3ObjectStore(
            s3, settings.bucket(), "snapshots/", S3StoreOptions.defaults().withPartSize(5 * MIB));
    store.ensureBucket();
    store.ensureBucket(); // idempotent
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  @Test
  void aStreamedUploadOfManyPartsComesBackByteIdenticalAlsoByRangedReads() throws IOException {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    byte[] content = new byte[20 * MIB + 4321];
    random.nextBytes(content);

    long start = System.nanoTime();
    try (ObjectOutput out = store.create("big/20mib.bin")) {
      S3ObjectStoreTest.writeInOddChunks(out, content);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "S3ObjectStoreIT: uploaded %.1f MiB in 5 MiB parts in %.2f s = %.1f MiB/s%n",
        content.length / (double) MIB, seconds, content.length / (double) MIB / seconds);

    assertThat(store.get("big/20mib.bin")).as("seed %d", seed).isEqualTo(content);
    assertThat(openMultipartUploads()).isEmpty();
    try (RandomAccessObject object = store.open("big/20mib.bin")) {
      assertThat(object.length()).isEqualTo(content.length);
      for (int i = 0; i < 40; i++) {
        int length = random.nextInt(1, i % 4 == 0 ? 3 * MIB : 64 * 1024);
        long position = random.nextLong(content.length);
        byte[] buffer = new byte[length];
        int read = object.read(position, buffer, 0, length);
        int expected = (int) Math.min(length, content.length - position);
        assertThat(read).as("seed %d, read %d at %d", seed, length, position).isEqualTo(expected);
        assertThat(Arrays.copyOf(buffer, read))
            .as("seed %d, read %d at %d", seed, length, position)
            .isEqualTo(Arrays.copyOfRange(content, (int) position, (int) position + read));
      }
      assertThat(object.read(content.length, new byte[1], 0, 1)).isEqualTo(-1);
    }
  }

  @Test
  void getRangeReturnsExactlyTheRequestedBytesAndRejectsRangesPastTheEnd() throws Exception {
    long seed = System.nanoTime();
    java.util.Random random = new java.util.Random(seed);
    byte[] content = new byte[25 * MIB];
    random.nextBytes(content);
    store.put("ranges/25mib.bin", content, "application/octet-stream");
    long[] positions = new long[100];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = random.nextLong(content.length - 6_400);
      assertThat(store.getRange("ranges/25mib.bin", positions[i], 6_400))
          .as("seed %d", seed)
          .isEqualTo(Arrays.copyOfRange(content, (int) positions[i], (int) positions[i] + 6_400));
    }
    assertThatThrownBy(() -> store.getRange("ranges/25mib.bin", content.length - 10, 20))
        .isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(() -> store.getRange("ranges/absent.bin", 0, 1)).isInstanceOf(NoSuchFileException.class);
    // What a key index lookup of 100 random keys in a 1M-row base costs here: printed, not asserted.
    long start = System.nanoTime();
    for (long position : positions) {
      store.getRange("ranges/25mib.bin", position, 6_400);
    }
    double sequential = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<byte[]>> reads = new java.util.ArrayList<>();
      for (long position : positions) {
        reads.add(pool.submit(() -> store.getRange("ranges/25mib.bin", position, 6_400)));
      }
      for (var read : reads) {
        read.get();
      }
    }
    double parallel = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    store.get("ranges/25mib.bin");
    double whole = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "S3ObjectStoreIT: 100 ranged GETs of 6.4 KB: %.3f s one by one, %.3f s concurrently; one GET of 25 MiB %.3f s%n",
        sequential, parallel, whole);
  }

  @Test
  void anEmptyRangeIsEmptyAndANegativeOneIsRefusedWithoutReadingTheObject() throws IOException {
    byte[] content = new byte[3 * MIB];
    new SplittableRandom(7).nextBytes(content);
    store.put("ranges/3mib.bin", content, "application/octet-stream");

    // As ObjectStore's own getRange answers: no bytes, not the whole object.
    assertThat(store.getRange("ranges/3mib.bin", 1000, 0)).isEmpty();
    assertThatThrownBy(() -> store.getRange("ranges/3mib.bin", 1000, -5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> store.getRange("ranges/3mib.bin", -1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void anUploadWhoseWriterFailsMidwayIsAbortedAndLeavesNothing() throws IOException {
    byte[] chunk = new byte[MIB];
    ObjectOutput out = store.create("failed/half.bin");
    try {
      for (int i = 0; i < 12; i++) {
        out.write(chunk);
        if (i == 10) {
          throw new IllegalStateException("source database went away");
        }
      }
      out.close();
    } catch (IllegalStateException e) {
      out.abort();
    }

    assertThat(openMultipartUploads()).isEmpty();
    assertThatThrownBy(() -> store.get("failed/half.bin")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> store.open("failed/half.bin")).isInstanceOf(NoSuchFileException.class);
    assertThat(store.list("failed/")).isEmpty();
  }

  @Test
  void anUploadAbortedOnAnInterruptedThreadLeavesNoPartsBehindAndKeepsTheInterrupt() throws IOException {
    // A revoked lease interrupts the target's thread; the writer aborts its upload on that thread.
    ObjectOutput out = store.create("interrupted/half.bin");
    out.write(new byte[5 * MIB + 1]); // part 1 is on its way
    boolean stillInterrupted;
    Thread.currentThread().interrupt();
    try {
      out.abort();
    } finally {
      stillInterrupted = Thread.interrupted();
    }

    assertThat(stillInterrupted).as("the interrupt is the caller's to see").isTrue();
    assertThat(openMultipartUploads())
        .extracting(MultipartUpload::key)
        .doesNotContain("snapshots/interrupted/half.bin");
    assertThatThrownBy(() -> store.get("interrupted/half.bin")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aSmallObjectIsWrittenWholeAndReadBack() throws IOException {
    byte[] manifest = "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8);
    store.put("small/manifest.json", manifest, "application/json");
    try (ObjectOutput out = store.create("small/streamed.bin")) {
      out.write(manifest);
    }

    assertThat(store.get("small/manifest.json")).isEqualTo(manifest);
    assertThat(store.get("small/streamed.bin")).isEqualTo(manifest);
    assertThat(openMultipartUploads()).isEmpty();
    assertThat(
            s3.headObject(b -> b.bucket(settings.bucket()).key("snapshots/small/manifest.json"))
                .contentType())
        .isEqualTo("application/json");
  }

  @Test
  void uploadsFromMemoryCarryTheirCrc32InAHeaderInsteadOfATrailer() throws IOException {
    List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
    ExecutionInterceptor capture =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            sent.add(context.httpRequest());
          }
        };
    byte[] content = new byte[6 * MIB + 17];
    new SplittableRandom().nextBytes(content);
    byte[] manifest = "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8);
    try (S3Client client =
            S3Client.builder()
                .region(Region.of(settings.region()))
                .endpointOverride(settings.s3Endpoint())
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(true)
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(capture))
                .build();
        S3ObjectStore observed =
            new S3ObjectStore(client, settings.bucket(), "snapshots/", S3StoreOptions.defaults().withPartSize(5 * MIB))) {
      try (ObjectOutput out = observed.create("checksums/two-parts.bin")) {
        out.write(content);
      }
      try (ObjectOutput out = observed.create("checksums/one-put.bin")) {
        out.write(manifest);
      }
      observed.put("checksums/manifest.json", manifest, "application/json");
    }

    assertThat(store.get("checksums/two-parts.bin")).isEqualTo(content);
    assertThat(store.get("checksums/one-put.bin")).isEqualTo(manifest);
    assertThat(store.get("checksums/manifest.json")).isEqualTo(manifest);
    List<SdkHttpRequest> uploads =
        sent.stream().filter(r -> r.method() == SdkHttpMethod.PUT && r.firstMatchingHeader("x-amz-copy-source").isEmpty())
            .filter(r -> r.encodedPath().contains("/checksums/"))
            .toList();
    assertThat(uploads).as("2 parts, 1 small streamed object, 1 put").hasSize(4);
    for (SdkHttpRequest upload : uploads) {
      assertThat(upload.firstMatchingHeader("x-amz-checksum-crc32")).as(upload.encodedPath()).isPresent();
      // Over this plain-HTTP endpoint the SDK still signs the body chunk by chunk (aws-chunked);
      // over HTTPS it sends it unsigned and unframed once no trailer is due.
      assertThat(upload.firstMatchingHeader("x-amz-trailer")).as(upload.encodedPath()).isEmpty();
    }
    assertThat(uploads.get(uploads.size() - 1).firstMatchingHeader("x-amz-checksum-crc32"))
        .contains(Crc32Header.of(manifest, 0, manifest.length));
  }

  @Test
  void aCrc32HeaderIsTheChecksumsFourBytesBigEndianInBase64() {
    byte[] text = "123456789".getBytes(StandardCharsets.US_ASCII);
    // CRC-32 (IEEE) of "123456789" is 0xCBF43926, the algorithm's standard check value.
    assertThat(Crc32Header.of(text, 0, text.length))
        .isEqualTo(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xCB, (byte) 0xF4, 0x39, 0x26}));
    assertThat(Crc32Header.of(new byte[] {0, '1', '2', '3', '4', '5', '6', '7', '8', '9', 0}, 1, 9))
        .isEqualTo(Crc32Header.of(text, 0, text.length));
  }

  @Test
  void aStreamGoesUpInOnePutReadOnceAndComesBackByteIdentical() throws IOException {
    long seed = new SplittableRandom().nextLong();
    byte[] content = new byte[7 * MIB + 123]; // above a part: a multipart upload would take two
    new SplittableRandom(seed).nextBytes(content);
    AtomicInteger opens = new AtomicInteger();
    store.putStream("files/index.bin", content.length, () -> {
      opens.incrementAndGet();
      return new java.io.ByteArrayInputStream(content);
    }, "application/octet-stream");

    assertThat(store.get("files/index.bin")).as("seed %d", seed).isEqualTo(content);
    // Read once, as it is sent: content still being written can go up while it is written.
    assertThat(opens).hasValue(1);
    assertThat(openMultipartUploads()).isEmpty();
    assertThat(s3.headObject(b -> b.bucket(settings.bucket()).key("snapshots/files/index.bin")).eTag())
        .as("a single PUT's ETag has no part count")
        .doesNotContain("-");
  }

  @Test
  void aStreamShorterThanAnnouncedIsRefusedAndLeavesNoObject() {
    byte[] content = new byte[1000];
    assertThatThrownBy(() -> store.putStream("files/short.bin", 2000, () -> new java.io.ByteArrayInputStream(content), null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("files/short.bin")
        .hasMessageContaining("ended after 1000 bytes");
    assertThatThrownBy(() -> store.get("files/short.bin")).isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void aStreamLongerThanAnnouncedIsRefusedAndLeavesNoObject() {
    // The default ObjectStore.putStream refuses it; a miscounted length must not store a
    // truncated object that reads as whole.
    byte[] content = new byte[3000];
    new SplittableRandom(3).nextBytes(content);
    AtomicInteger opens = new AtomicInteger();

    assertThatThrownBy(
            () ->
                store.putStream(
                    "files/long.bin",
                    2000,
                    () -> {
                      opens.incrementAndGet();
                      return new java.io.ByteArrayInputStream(content);
                    },
                    null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("files/long.bin")
        .hasMessageContaining("2000");

    assertThatThrownBy(() -> store.get("files/long.bin")).isInstanceOf(NoSuchFileException.class);
    assertThat(opens).as("a wrong length is no reason to send it again").hasValue(1);
  }

  /**
   * A sweep's due objects were deleted a DeleteObject request each; DeleteObjects takes 1,000 keys:
   * 1,001 keys are two requests, and a key that was never there is no failure.
   */
  @Test
  void deleteAllDeletesAThousandKeysARequestAndIgnoresAbsentOnes() throws IOException {
    List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
    ExecutionInterceptor capture =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            sent.add(context.httpRequest());
          }
        };
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      keys.add(String.format("batch/%04d", i));
    }
    try (S3Client client =
            S3Client.builder()
                .region(Region.of(settings.region()))
                .endpointOverride(settings.s3Endpoint())
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(true)
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(capture))
                .build();
        S3ObjectStore observed = new S3ObjectStore(client, settings.bucket(), "snapshots/", S3StoreOptions.defaults())) {
      for (String key : keys) {
        store.put(key, new byte[] {1}, null);
      }
      store.put("batch/kept", new byte[] {2}, null);
      keys.add("batch/never-existed");

      assertThat(observed.deleteAll(keys)).as("no key failed").isEmpty();

      assertThat(sent).as("one POST ?delete a thousand keys").hasSize(2)
          .allSatisfy(request -> {
            assertThat(request.method()).isEqualTo(SdkHttpMethod.POST);
            assertThat(request.rawQueryParameters()).containsKey("delete");
          });
      assertThat(store.list("batch/")).containsExactly("batch/kept");
      assertThat(observed.deleteAll(List.of())).isEmpty();
      assertThat(sent).as("nothing to delete, no request").hasSize(2);
    }
  }

  @Test
  void deleteRemovesAnObjectAndIgnoresAbsentOnes() throws IOException {
    store.put("gone/x", new byte[] {1}, null);

    store.delete("gone/x");
    store.delete("gone/never-existed");

    assertThatThrownBy(() -> store.get("gone/x")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void listingFollowsEveryPageInOrderAndStripsThePrefix() throws Exception {
    // Pages of 7 keys: 25 keys need 4 ListObjectsV2 calls, as 1,005 would need 2 at S3's 1,000.
    S3ObjectStore smallPages =
        new S3ObjectStore(s3, settings.bucket(), "snapshots/", S3StoreOptions.defaults(), 7);
    List<String> expected = new ArrayList<>();
    for (int i = 24; i >= 0; i--) {
      String key = "many/key-" + String.format("%03d", i);
      smallPages.put(key, new byte[] {1}, null);
      expected.add(0, key);
    }
    smallPages.put("many-other/not-listed", new byte[] {1}, null);

    List<String> keys = smallPages.list("many/");

    assertThat(keys).containsExactlyElementsOf(expected);
    // The emulator really pages at 7, so the listing above had to follow continuation tokens.
    assertThat(
            s3.listObjectsV2(b -> b.bucket(settings.bucket()).prefix("snapshots/many/").maxKeys(7))
                .isTruncated())
        .isTrue();
    assertThat(smallPages.list("many")).hasSize(26);
    smallPages.close();
  }

  @Test
  void aListingWithTimesGivesEachObjectsLastModifiedInKeyOrderWithThePrefixStripped() throws Exception {
    S3ObjectStore smallPages =
        new S3ObjectStore(s3, settings.bucket(), "snapshots/", S3StoreOptions.defaults(), 2);
    java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    for (String key : List.of("timed/c", "timed/a", "timed/b", "timed-other/x")) {
      smallPages.put(key, new byte[] {1}, null);
    }
    java.time.Instant after = java.time.Instant.now().plusSeconds(1);

    List<dev.storagebuilder.common.storage.ListedObject> listed = smallPages.listObjects("timed/");

    assertThat(listed).extracting(dev.storagebuilder.common.storage.ListedObject::key)
        .containsExactly("timed/a", "timed/b", "timed/c");
    assertThat(listed).allSatisfy(object -> assertThat(object.lastModified()).isBetween(before, after));
    assertThat(smallPages.list("timed/")).containsExactly("timed/a", "timed/b", "timed/c");
    smallPages.close();
  }

  private static List<MultipartUpload> openMultipartUploads() {
    return s3.listMultipartUploads(b -> b.bucket(settings.bucket())).uploads();
  }
}
