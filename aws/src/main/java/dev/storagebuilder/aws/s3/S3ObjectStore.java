package dev.storagebuilder.aws.s3;

import dev.storagebuilder.common.storage.ContentSource;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link ObjectStore} on one S3 bucket, optionally under a key prefix of its own.
 *
 * <p>Failed requests surface the SDK's exception unwrapped (after the SDK's own retries), so
 * callers classify with {@code SdkException.retryable()}; only "absent" is translated, to {@link
 * NoSuchFileException} as the interface promises.
 *
 * <p>Part uploads run on a small executor owned by the store; {@link #close()} stops it (the S3
 * client belongs to the caller and stays open). Every upload and read has an attempt timeout sized
 * to its bytes ({@link TransferAttemptTimeout}): a server that stops reading blocked the write for
 * good, and one whose answer trickled in held the read.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  private static final String OCTET_STREAM = "application/octet-stream";

  /** S3's own maximum (and default) page of ListObjectsV2. */
  private static final int S3_MAX_KEYS_PER_PAGE = 1000;

  /**
   * What a whole-object read is given time for: {@link #get} is for small objects (manifests, small
   * key index sidecars), whose size is not known before the answer.
   */
  static final long WHOLE_READ_ALLOWANCE_BYTES = 64L << 20;

  /** S3 takes up to 5 GiB in one PUT. */
  static final long MAX_SINGLE_PUT_BYTES = 5L << 30;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final S3StoreOptions options;
  private final ExecutorService partUploader;
  private final int listPageSize;
  private final TransferAttemptTimeout transferTimeout;

  /**
   * A store at the bucket's root with the default options. Callers that lay out keys themselves
   * (the worker's {@code StorageLayout} applies {@code aws.snapshotPrefix}) want no store prefix.
   */
  public S3ObjectStore(S3Client s3, String bucket) {
    this(s3, bucket, "", S3StoreOptions.defaults());
  }

  /** A store at the bucket's root with this part size and parts in flight per upload. */
  public S3ObjectStore(S3Client s3, String bucket, int partSize, int maxPartsInFlight) {
    this(
        s3,
        bucket,
        "",
        new S3StoreOptions(partSize, maxPartsInFlight, S3StoreOptions.DEFAULT_READ_AHEAD_BYTES));
  }

  /**
   * @param prefix prepended to every key ({@code ""} or ending in {@code /}); listings strip it
   */
  public S3ObjectStore(S3Client s3, String bucket, String prefix, S3StoreOptions options) {
    this(s3, bucket, prefix, options, S3_MAX_KEYS_PER_PAGE);
  }

  /**
   * @param listPageSize keys per ListObjectsV2 page (tests make pages small to cover paging)
   */
  S3ObjectStore(
      S3Client s3, String bucket, String prefix, S3StoreOptions options, int listPageSize) {
    this(s3, bucket, prefix, options, listPageSize, TransferAttemptTimeout.DEFAULT);
  }

  /** @param transferTimeout the attempt timeout of uploads and reads (tests shorten it) */
  S3ObjectStore(
      S3Client s3, String bucket, String prefix, S3StoreOptions options, TransferAttemptTimeout transferTimeout) {
    this(s3, bucket, prefix, options, S3_MAX_KEYS_PER_PAGE, transferTimeout);
  }

  private S3ObjectStore(
      S3Client s3,
      String bucket,
      String prefix,
      S3StoreOptions options,
      int listPageSize,
      TransferAttemptTimeout transferTimeout) {
    this.transferTimeout = Objects.requireNonNull(transferTimeout, "transferTimeout");
    this.listPageSize = listPageSize;
    this.s3 = Objects.requireNonNull(s3, "s3");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException(
          "prefix must be empty or end in '/', got '" + prefix + "'");
    }
    this.options = Objects.requireNonNull(options, "options");
    this.partUploader = Executors.newCachedThreadPool(daemonThreads("sb-s3-part-"));
  }

  public String bucket() {
    return bucket;
  }

  public String prefix() {
    return prefix;
  }

  public S3StoreOptions options() {
    return options;
  }

  /** Creates the bucket unless it exists (local stacks; production buckets come from Terraform). */
  public void ensureBucket() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      return;
    } catch (NoSuchBucketException e) {
      // create it below
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
    }
    Region region = s3.serviceClientConfiguration().region();
    try {
      s3.createBucket(
          b -> {
            b.bucket(bucket);
            if (region != null && !Region.US_EAST_1.equals(region)) {
              b.createBucketConfiguration(c -> c.locationConstraint(region.id()));
            }
          });
    } catch (BucketAlreadyOwnedByYouException e) {
      // another process created it first
    }
  }

  @Override
  public ObjectOutput create(String key) {
    return create(key, OCTET_STREAM);
  }

  /** A streaming upload with a content type (e.g. {@code application/vnd.apache.parquet}). */
  public ObjectOutput create(String key, String contentType) {
    return new MultipartObjectOutput(
        s3,
        bucket,
        fullKey(key),
        Objects.requireNonNull(contentType),
        options,
        partUploader,
        S3StoreOptions.MAX_PARTS,
        transferTimeout);
  }

  @Override
  public void put(String key, byte[] content, String contentType) {
    String type = contentType == null ? OCTET_STREAM : contentType;
    s3.putObject(
        b ->
            b.bucket(bucket)
                .key(fullKey(key))
                .contentType(type)
                .contentLength((long) content.length)
                .checksumCRC32(Crc32Header.of(content, 0, content.length))
                .overrideConfiguration(transferTimeout.forRequestOf(content.length)),
        // Not fromBytes, which copies the array: the request reads it only during this call.
        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content), content.length, type));
  }

  /**
   * One PUT streamed from the content: no part buffers on the heap (a multipart upload holds up to
   * {@code maxPartsInFlight + 1} parts). Content above S3's single-PUT limit goes up in parts.
   * Content of another length than announced is refused, as the default does (the SDK sent the
   * announced bytes of a longer one and S3 stored it cut off).
   */
  @Override
  public void putStream(String key, long length, ContentSource content, String contentType) throws IOException {
    if (length > MAX_SINGLE_PUT_BYTES) {
      ObjectStore.super.putStream(key, length, content, contentType);
      return;
    }
    String type = contentType == null ? OCTET_STREAM : contentType;
    String location = "s3://" + bucket + "/" + fullKey(key);
    AtomicReference<IOException> wrongLength = new AtomicReference<>();
    ContentStreamProvider provider =
        () -> {
          try {
            return new AnnouncedLengthInputStream(content.open(), length, location, wrongLength);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    try {
      s3.putObject(
          b ->
              b.bucket(bucket)
                  .key(fullKey(key))
                  .contentType(type)
                  .contentLength(length)
                  .overrideConfiguration(transferTimeout.forRequestOf(length)),
          RequestBody.fromContentProvider(provider, length, type));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      IOException mismatch = wrongLength.get();
      if (mismatch != null) {
        mismatch.addSuppressed(e);
        throw mismatch;
      }
      throw e;
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    return getBytes(key, null, WHOLE_READ_ALLOWANCE_BYTES);
  }

  @Override
  public byte[] getRange(String key, long position, int length) throws IOException {
    if (position < 0 || length < 0) {
      throw new IllegalArgumentException(
          key + ": a range needs position >= 0 and length >= 0, got " + length + " bytes at " + position);
    }
    if (length == 0) {
      // "bytes=p-(p-1)" is no range: S3 ignores it and sends the whole object, S3Proxy answers 416.
      return new byte[0];
    }
    String range = "bytes=" + position + "-" + (position + length - 1);
    byte[] bytes = getBytes(key, range, length);
    if (bytes.length != length) {
      throw new java.io.EOFException(key + ": range " + range + " returned " + bytes.length + " bytes");
    }
    return bytes;
  }

  /** The object, or the bytes of {@code range} (null: all of it); a missing key is {@link #absent}. */
  private byte[] getBytes(String key, String range, long expectedBytes) throws IOException {
    try {
      return s3.getObjectAsBytes(
              b ->
                  b.bucket(bucket)
                      .key(fullKey(key))
                      .range(range)
                      .overrideConfiguration(transferTimeout.forRequestOf(expectedBytes)))
          .asByteArrayUnsafe();
    } catch (NoSuchKeyException e) {
      throw absent(key, e);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw absent(key, e);
      }
      throw e;
    }
  }


  @Override
  public RandomAccessObject open(String key) throws IOException {
    String fullKey = fullKey(key);
    HeadObjectResponse head;
    try {
      head = s3.headObject(b -> b.bucket(bucket).key(fullKey).overrideConfiguration(transferTimeout.forRequestOf(0)));
    } catch (NoSuchKeyException e) {
      throw absent(key, e);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw absent(key, e);
      }
      throw e;
    }
    return new RangedS3Object(
        s3,
        bucket,
        fullKey,
        head.contentLength(),
        head.eTag(),
        options.readAheadBytes(),
        transferTimeout);
  }

  @Override
  public List<String> list(String keyPrefix) {
    return listObjects(keyPrefix).stream().map(ListedObject::key).toList();
  }

  @Override
  public List<ListedObject> listObjects(String keyPrefix) {
    List<ListedObject> objects = new ArrayList<>();
    forEachObject(keyPrefix, objects::add);
    // S3 lists in UTF-8 byte order; emulators' backends need not. The interface promises order.
    objects.sort(Comparator.comparing(ListedObject::key));
    return objects;
  }

  /** Pages are asked for as the visitor gets to them: none after the one where it stops. */
  @Override
  public void forEachObject(String keyPrefix, Predicate<ListedObject> visitor) {
    String full = fullKey(keyPrefix == null ? "" : keyPrefix, true);
    for (S3Object object :
        s3.listObjectsV2Paginator(
                b -> b.bucket(bucket).prefix(full).maxKeys(listPageSize)
                    .overrideConfiguration(transferTimeout.forRequestOf(0)))
            .contents()) {
      if (!visitor.test(new ListedObject(object.key().substring(prefix.length()), object.lastModified()))) {
        return;
      }
    }
  }

  @Override
  public void delete(String key) {
    s3.deleteObject(b -> b.bucket(bucket).key(fullKey(key)).overrideConfiguration(transferTimeout.forRequestOf(0)));
  }

  /**
   * One DeleteObjects request per {@link #MAX_KEYS_PER_DELETE} keys, quiet (S3 answers only the keys
   * it refused: {@code AccessDenied}, {@code InternalError}, {@code SlowDown}...), where a sweep's
   * thousand due objects cost a thousand DeleteObject requests. S3 counts an absent key as deleted.
   */
  @Override
  public List<FailedDelete> deleteAll(Collection<String> keys) {
    List<String> all = List.copyOf(keys);
    List<FailedDelete> failed = new ArrayList<>();
    for (int from = 0; from < all.size(); from += MAX_KEYS_PER_DELETE) {
      List<ObjectIdentifier> batch = all.subList(from, Math.min(all.size(), from + MAX_KEYS_PER_DELETE)).stream()
          .map(key -> ObjectIdentifier.builder().key(fullKey(key)).build())
          .toList();
      DeleteObjectsResponse response = s3.deleteObjects(b -> b.bucket(bucket)
          .delete(d -> d.objects(batch).quiet(true))
          .overrideConfiguration(transferTimeout.forRequestOf(0)));
      for (S3Error error : response.errors()) {
        String key = error.key() != null && error.key().startsWith(prefix) ? error.key().substring(prefix.length())
            : error.key();
        failed.add(new FailedDelete(key, error.code() + ": " + error.message()));
      }
    }
    return failed;
  }

  @Override
  public void close() {
    partUploader.shutdown();
  }

  private String fullKey(String key) {
    return fullKey(key, false);
  }

  private String fullKey(String key, boolean mayBeEmpty) {
    Objects.requireNonNull(key, "key");
    if ((!mayBeEmpty && key.isEmpty()) || key.startsWith("/")) {
      throw new IllegalArgumentException(
          "object key must be non-empty and relative, got '" + key + "'");
    }
    return prefix + key;
  }

  private NoSuchFileException absent(String key, S3Exception cause) {
    NoSuchFileException e =
        new NoSuchFileException("s3://" + bucket + "/" + prefix + key, null, "no such object");
    e.initCause(cause);
    return e;
  }

  private static ThreadFactory daemonThreads(String namePrefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, namePrefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
