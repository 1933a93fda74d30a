package dev.storagebuilder.aws.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
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
          .checksumCRC32("crc-" + request.partNumber())
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
      if (!("etag-" + part.partNumber()).equals(part.eTag())
          || !("crc-" + part.partNumber()).equals(part.checksumCRC32())) {
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
    return CompleteMultipartUploadResponse.builder().build();
  }

  @Override
  public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest request) {
    calls.add("abort " + request.key());
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
    return HeadObjectResponse.builder().contentLength((long) bytes.length).eTag("\"e\"").build();
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
