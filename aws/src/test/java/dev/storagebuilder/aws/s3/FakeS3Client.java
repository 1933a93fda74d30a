package dev.storagebuilder.aws.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Just enough S3 to observe what a streaming upload and a ranged reader do: which calls, in which
 * order, with which bytes. Part uploads can be held at a gate or made to fail.
 */
final class FakeS3Client implements S3Client {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final Map<Integer, byte[]> parts = new ConcurrentHashMap<>();
  final List<Integer> completedPartNumbers = new CopyOnWriteArrayList<>();
  final List<String> ranges = new CopyOnWriteArrayList<>();
  final AtomicInteger partsStarted = new AtomicInteger();
  final AtomicInteger partsInFlight = new AtomicInteger();
  final AtomicInteger maxPartsInFlight = new AtomicInteger();

  /** Part uploads take a permit each; start with "unlimited". */
  final Semaphore partGate = new Semaphore(Integer.MAX_VALUE);

  /**
   * When set, a completion stores the object and then answers {@code NoSuchUpload}, as S3 answers
   * the SDK's next attempt after the first one's answer was lost.
   */
  volatile boolean loseCompletionAnswer;

  /** Runs between the completion and its lost answer (another writer replacing the object). */
  volatile Runnable afterLostCompletion = () -> {};

  /** Key → the composite CRC32 S3 reports for an object completed from parts. */
  final Map<String, String> compositeChecksums = new ConcurrentHashMap<>();

  /** Full keys a DeleteObjects request refuses one by one (answered as AccessDenied errors). */
  final Set<String> refusedDeletes = ConcurrentHashMap.newKeySet();

  @Override
  public DeleteObjectsResponse deleteObjects(DeleteObjectsRequest request) {
    calls.add("deleteObjects " + request.delete().objects().size());
    List<S3Error> errors = new ArrayList<>();
    for (ObjectIdentifier object : request.delete().objects()) {
      if (refusedDeletes.contains(object.key())) {
        errors.add(S3Error.builder().key(object.key()).code("AccessDenied").message("Access Denied").build());
      } else {
        objects.remove(object.key());
      }
    }
    return DeleteObjectsResponse.builder().errors(errors).build();
  }

  /** Part number → exception to throw instead of storing it. */
  volatile IntFunction<RuntimeException> partFailure = partNumber -> null;

  @Override
  public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest request) {
    calls.add("create " + request.key());
    return CreateMultipartUploadResponse.builder().uploadId("upload-1").build();
  }

  @Override
  public UploadPartResponse uploadPart(UploadPartRequest request, RequestBody body) {
    partsStarted.incrementAndGet();
    int now = partsInFlight.incrementAndGet();
    maxPartsInFlight.accumulateAndGet(now, Math::max);
    try {
      partGate.acquireUninterruptibly();
      RuntimeException failure = partFailure.apply(request.partNumber());
      if (failure != null) {
        throw failure;
      }
      byte[] bytes = read(body);
      if (bytes.length != request.contentLength()) {
        throw new IllegalStateException(
            "content length " + request.contentLength() + " != " + bytes.length);
      }
      requireChecksum(request.checksumCRC32(), bytes);
      parts.put(request.partNumber(), bytes);
      return UploadPartResponse.builder()
          .eTag("etag-" + request.partNumber())
          .checksumCRC32(Crc32Header.of(bytes, 0, bytes.length))
          .build();
    } finally {
      partsInFlight.decrementAndGet();
    }
  }

  @Override
  public CompleteMultipartUploadResponse completeMultipartUpload(
      CompleteMultipartUploadRequest request) {
    calls.add("complete " + request.key());
    List<byte[]> ordered = new ArrayList<>();
    int size = 0;
    for (var part : request.multipartUpload().parts()) {
      completedPartNumbers.add(part.partNumber());
      byte[] stored = parts.get(part.partNumber());
      if (!("etag-" + part.partNumber()).equals(part.eTag())
          || !Crc32Header.of(stored, 0, stored.length).equals(part.checksumCRC32())) {
        throw new IllegalStateException(
            "part " + part.partNumber() + " has the wrong ETag/checksum");
      }
      byte[] bytes = parts.get(part.partNumber());
      ordered.add(bytes);
      size += bytes.length;
    }
    byte[] whole = new byte[size];
    int offset = 0;
    for (byte[] bytes : ordered) {
      System.arraycopy(bytes, 0, whole, offset, bytes.length);
      offset += bytes.length;
    }
    objects.put(request.key(), whole);
    compositeChecksums.put(request.key(), compositeCrc32(request.multipartUpload().parts()));
    if (loseCompletionAnswer) {
      afterLostCompletion.run();
      throw NoSuchUploadException.builder()
          .statusCode(404)
          .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchUpload").build())
          .message("The specified upload does not exist.")
          .build();
    }
    return CompleteMultipartUploadResponse.builder().build();
  }

  /**
   * S3's checksum of an object completed from CRC32-checksummed parts (COMPOSITE): the CRC32 of the
   * parts' checksums (their four bytes each, in part order), in Base64, then {@code -} and the count.
   */
  private static String compositeCrc32(List<software.amazon.awssdk.services.s3.model.CompletedPart> parts) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    for (var part : parts) {
      crc.update(java.util.Base64.getDecoder().decode(part.checksumCRC32()));
    }
    int value = (int) crc.getValue();
    return java.util.Base64.getEncoder()
            .encodeToString(
                new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value})
        + "-"
        + parts.size();
  }

  @Override
  public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest request) {
    calls.add("abort " + request.key());
    if (loseCompletionAnswer) {
      afterLostCompletion.run();
      throw NoSuchUploadException.builder().statusCode(404).message("completed already").build();
    }
    parts.clear();
    return AbortMultipartUploadResponse.builder().build();
  }

  @Override
  public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
    calls.add("put " + request.key());
    byte[] bytes = read(body);
    requireChecksum(request.checksumCRC32(), bytes);
    objects.put(request.key(), bytes);
    return PutObjectResponse.builder().build();
  }

  /** As S3 does: a body that does not match the checksum it came with is refused. */
  private static void requireChecksum(String crc32, byte[] bytes) {
    if (crc32 != null && !crc32.equals(Crc32Header.of(bytes, 0, bytes.length))) {
      throw new IllegalStateException("CRC32 " + crc32 + " does not match the body");
    }
  }

  @Override
  public HeadObjectResponse headObject(HeadObjectRequest request) {
    byte[] bytes = objects.get(request.key());
    if (bytes == null) {
      throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
    }
    calls.add("head " + request.key());
    // Part ETags here are no MD5s, as S3's are not under SSE-KMS or SSE-C: only the checksum tells.
    return HeadObjectResponse.builder()
        .contentLength((long) bytes.length)
        .eTag("\"e\"")
        .checksumCRC32(
            request.checksumMode() == ChecksumMode.ENABLED ? compositeChecksums.get(request.key()) : null)
        .build();
  }

  @Override
  public <T> T getObject(
      GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
    byte[] bytes = objects.get(request.key());
    if (bytes == null) {
      throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
    }
    ranges.add(request.range());
    String[] bounds = request.range().substring("bytes=".length()).split("-");
    int from = Integer.parseInt(bounds[0]);
    int to = Math.min(Integer.parseInt(bounds[1]), bytes.length - 1);
    ByteArrayInputStream in = new ByteArrayInputStream(bytes, from, to - from + 1);
    try {
      return transformer.transform(
          GetObjectResponse.builder().contentLength((long) (to - from + 1)).build(),
          AbortableInputStream.create(in));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
    return getObject(request, ResponseTransformer.toInputStream());
  }

  @Override
  public String serviceName() {
    return "s3";
  }

  @Override
  public void close() {}

  private static byte[] read(RequestBody body) {
    try (var in = body.contentStreamProvider().newStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
