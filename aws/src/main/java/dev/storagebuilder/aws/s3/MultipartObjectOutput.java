package dev.storagebuilder.aws.s3;

import dev.storagebuilder.common.storage.ObjectOutput;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A streaming upload from bounded buffers.
 *
 * <p>Bytes fill one part; a full part is handed to the upload executor once the next byte arrives
 * (so an object of at most one part is a single PutObject on close, with no multipart upload at
 * all). At most {@code maxPartsInFlight} parts are being sent: handing off another blocks {@code
 * write} until one is done. That wait is the backpressure.
 *
 * <p>A part is held in chunks of {@value #CHUNK} bytes, taken as the bytes arrive and returned to
 * the upload's pool when their part is sent, so {@code maxPartsInFlight + 1} parts' worth of chunks
 * (those in flight and the one being filled) is all an upload ever allocates, and a small object
 * only what it needs. Not one array per part: an array of a part's size is a humongous object to G1
 * (past half a heap region), and in a worker's update-all such allocations started a tenth of the
 * collections; nor one grown by doubling, which copies it each time.
 *
 * <p>Any failure (a part, the completion, the writer's own) aborts the multipart upload, so no
 * invisible parts are left to pay for, and surfaces the original exception: an SDK exception keeps
 * its {@code retryable()}. A completion answered {@code NoSuchUpload} is no failure when the object
 * at the key has the ETag or composite CRC32 of these parts ({@link MultipartIdentity}): an earlier
 * attempt completed it and its answer was lost.
 *
 * <p>One thread writes; {@link #abort()} may also be called from another thread.
 */
final class MultipartObjectOutput extends ObjectOutput {
  private static final Logger log = LoggerFactory.getLogger(MultipartObjectOutput.class);

  static final int CHUNK = 64 * 1024;

  /** How long {@link #abort()} waits for parts still being sent before aborting the upload. */
  private static final long ABORT_WAIT_MILLIS = 30_000;

  private enum State {
    OPEN,
    CLOSED,
    ABORTED
  }

  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final String contentType;
  private final int partSize;
  private final int maxChunks;
  private final ExecutorService executor;
  private final int maxParts;
  private final TransferAttemptTimeout uploadTimeout;

  private final BlockingQueue<byte[]> freeChunks;
  private final Semaphore slots;
  private final List<Future<CompletedPart>> parts = new ArrayList<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Object inFlightLock = new Object();
  private final Set<Thread> sending = new HashSet<>();
  private int inFlight;

  private int chunksAllocated;
  /** The part being filled: {@code fill} bytes in these chunks, in order. */
  private List<byte[]> current = new ArrayList<>();
  private int fill;
  private long position;
  /** The writing thread's waits: for a free part slot, and in close (see {@link #waitedNanos()}). */
  private long waitedNanos;
  private volatile String uploadId;
  private int nextPartNumber = 1;

  MultipartObjectOutput(
      S3Client s3,
      String bucket,
      String key,
      String contentType,
      S3StoreOptions options,
      ExecutorService executor) {
    this(s3, bucket, key, contentType, options, executor, S3StoreOptions.MAX_PARTS);
  }

  /** @param maxParts S3's limit of parts per upload (tests lower it to reach it) */
  MultipartObjectOutput(
      S3Client s3,
      String bucket,
      String key,
      String contentType,
      S3StoreOptions options,
      ExecutorService executor,
      int maxParts) {
    this(s3, bucket, key, contentType, options, executor, maxParts, TransferAttemptTimeout.DEFAULT);
  }

  /** @param uploadTimeout the attempt timeout of the PutObject or each UploadPart */
  MultipartObjectOutput(
      S3Client s3,
      String bucket,
      String key,
      String contentType,
      S3StoreOptions options,
      ExecutorService executor,
      int maxParts,
      TransferAttemptTimeout uploadTimeout) {
    this.uploadTimeout = uploadTimeout;
    this.maxParts = maxParts;
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.contentType = contentType;
    this.partSize = options.partSize();
    this.maxChunks = (options.maxPartsInFlight() + 1) * chunksPerPart(partSize);
    this.executor = executor;
    this.freeChunks = new ArrayBlockingQueue<>(maxChunks);
    this.slots = new Semaphore(options.maxPartsInFlight());
  }

  private static int chunksPerPart(int partSize) {
    return (partSize + CHUNK - 1) / CHUNK;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public void write(int b) throws IOException {
    ensureWritable();
    if (fill == partSize) {
      makeRoom();
    }
    chunkAt(fill)[fill % CHUNK] = (byte) b;
    fill++;
    position++;
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    ensureWritable();
    while (length > 0) {
      if (fill == partSize) {
        makeRoom();
      }
      int within = fill % CHUNK;
      int n = Math.min(length, Math.min(CHUNK - within, partSize - fill));
      System.arraycopy(bytes, offset, chunkAt(fill), within, n);
      fill += n;
      position += n;
      offset += n;
      length -= n;
    }
  }

  /** Parts go out whole; there is nothing smaller to flush. */
  @Override
  public void flush() {}

  @Override
  public long waitedNanos() {
    return waitedNanos;
  }

  @Override
  public void close() throws IOException {
    State now = state.get();
    if (now == State.CLOSED) {
      return;
    }
    if (now == State.ABORTED) {
      throw new IOException("upload of " + location() + " was aborted; nothing was published");
    }
    long closing = System.nanoTime();
    long waitedBefore = waitedNanos; // the slot wait below is part of the close's
    try {
      rethrowFailure();
      if (uploadId == null) {
        List<byte[]> whole = current;
        int length = fill;
        s3.putObject(
            b ->
                b.bucket(bucket)
                    .key(key)
                    .contentType(contentType)
                    .contentLength((long) length)
                    .checksumCRC32(Crc32Header.of(whole, length))
                    .overrideConfiguration(uploadTimeout.forRequestOf(length)),
            RequestBody.fromContentProvider(contentOf(whole, length), length, contentType));
      } else {
        acquireSlot();
        submitPart(current, fill);
        current = null;
        List<CompletedPart> completed = new ArrayList<>(parts.size());
        for (Future<CompletedPart> part : parts) {
          completed.add(await(part));
        }
        completed.sort(Comparator.comparingInt(CompletedPart::partNumber));
        complete(completed);
      }
      state.set(State.CLOSED);
      current = null;
    } catch (IOException | RuntimeException | Error e) {
      abort();
      throw e;
    } finally {
      waitedNanos = waitedBefore + System.nanoTime() - closing;
    }
  }

  private void complete(List<CompletedPart> completed) {
    try {
      s3.completeMultipartUpload(
          b ->
              b.bucket(bucket)
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(completed)));
    } catch (S3Exception e) {
      // An earlier attempt of this call may have completed the upload and lost its answer on the
      // way back (a reset, a timeout): the SDK's next attempt then finds no upload. Only the object
      // can tell, by the ETag or checksum S3 gives an object assembled from exactly these parts.
      if (!isNoSuchUpload(e) || !publishedFrom(completed)) {
        throw e;
      }
      log.info(
          "upload {} of {} was completed by an attempt whose answer was lost; the object is this"
              + " upload's",
          uploadId,
          location());
    }
  }

  private static boolean isNoSuchUpload(S3Exception e) {
    return e instanceof NoSuchUploadException
        || (e.awsErrorDetails() != null && "NoSuchUpload".equals(e.awsErrorDetails().errorCode()));
  }

  /** Whether the object at the key is the one these parts make up. */
  private boolean publishedFrom(List<CompletedPart> completed) {
    HeadObjectResponse head;
    try {
      head =
          s3.headObject(
              b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED)
                  .overrideConfiguration(uploadTimeout.forRequestOf(0)));
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
    String eTag = MultipartIdentity.eTag(completed);
    if (eTag != null && eTag.equals(MultipartIdentity.unquoted(head.eTag()))) {
      return true;
    }
    String checksum = MultipartIdentity.compositeCrc32(completed);
    return checksum != null && checksum.equals(head.checksumCRC32());
  }

  @Override
  public void abort() {
    if (!state.compareAndSet(State.OPEN, State.ABORTED)) {
      return;
    }
    String id = uploadId;
    if (id == null) {
      return;
    }
    // A revoked lease interrupts the writer, which then aborts here: on an interrupted thread the
    // SDK refuses the call (AbortedException) and the wait below ends at once, so the interrupt is
    // set aside for the abort and restored after.
    boolean interrupted = Thread.interrupted();
    try {
      // A part still being sent could land after the abort and be kept by S3: stop the senders
      // (the HTTP client gives up on interrupt) and wait for them before aborting.
      synchronized (inFlightLock) {
        sending.forEach(Thread::interrupt);
      }
      awaitNoPartInFlight();
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).overrideConfiguration(uploadTimeout.forRequestOf(0)));
      } catch (RuntimeException e) {
        // The bucket's AbortIncompleteMultipartUpload lifecycle rule is the backstop.
        log.warn("could not abort multipart upload {} of {}: {}", id, location(), e.toString());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Bytes of chunks this upload allocated so far (never more than maxPartsInFlight + 1 parts' worth). */
  long bytesAllocated() {
    return (long) chunksAllocated * CHUNK;
  }

  private void ensureWritable() throws IOException {
    State now = state.get();
    if (now != State.OPEN) {
      throw new IOException(
          "upload of " + location() + " is " + now.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (failure.get() != null) {
      abort();
      rethrowFailure();
    }
  }

  /** The chunk that byte {@code at} of the current part goes to, taken when the part reaches it. */
  private byte[] chunkAt(int at) {
    int index = at / CHUNK;
    if (index == current.size()) {
      current.add(nextChunk());
    }
    return current.get(index);
  }

  /** The current part is full: send it and start the next. */
  private void makeRoom() throws IOException {
    try {
      if (uploadId == null) {
        uploadId =
            s3.createMultipartUpload(
                    b ->
                        b.bucket(bucket)
                            .key(key)
                            .contentType(contentType)
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                            .overrideConfiguration(uploadTimeout.forRequestOf(0)))
                .uploadId();
        if (state.get() == State.ABORTED) {
          // abort() ran on another thread while the upload was being created: it saw no id.
          String id = uploadId;
          s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).overrideConfiguration(uploadTimeout.forRequestOf(0)));
          ensureWritable();
        }
      }
      acquireSlot();
      submitPart(current, fill);
      current = new ArrayList<>();
      fill = 0;
    } catch (IOException | RuntimeException | Error e) {
      abort();
      throw e;
    }
  }

  private void submitPart(List<byte[]> chunks, int length) throws IOException {
    int partNumber = nextPartNumber++;
    if (partNumber > maxParts) {
      // Not an IOException, which callers take for an I/O error worth another try: every try
      // would upload the same parts again and end here. Only a larger part size helps.
      throw new IllegalStateException(
          location()
              + " exceeds S3's "
              + maxParts
              + " parts at "
              + partSize
              + " bytes per part; raise storage-builder.worker.part-bytes");
    }
    String id = uploadId;
    synchronized (inFlightLock) {
      inFlight++;
    }
    try {
      parts.add(executor.submit(() -> uploadPart(id, partNumber, chunks, length)));
    } catch (RuntimeException e) {
      partDone(chunks);
      throw e;
    }
  }

  private CompletedPart uploadPart(String id, int partNumber, List<byte[]> chunks, int length) {
    synchronized (inFlightLock) {
      sending.add(Thread.currentThread());
    }
    try {
      if (state.get() == State.ABORTED) {
        throw new IllegalStateException("upload aborted before part " + partNumber + " was sent");
      }
      UploadPartResponse response =
          s3.uploadPart(
              b ->
                  b.bucket(bucket)
                      .key(key)
                      .uploadId(id)
                      .partNumber(partNumber)
                      .contentLength((long) length)
                      .checksumCRC32(Crc32Header.of(chunks, length))
                      .overrideConfiguration(uploadTimeout.forRequestOf(length)),
              RequestBody.fromContentProvider(
                  contentOf(chunks, length), length, "application/octet-stream"));
      return CompletedPart.builder()
          .partNumber(partNumber)
          .eTag(response.eTag())
          .checksumCRC32(response.checksumCRC32())
          .build();
    } catch (RuntimeException | Error e) {
      failure.compareAndSet(null, e);
      throw e;
    } finally {
      synchronized (inFlightLock) {
        // Removed under the lock abort() interrupts under: no interrupt reaches another task.
        sending.remove(Thread.currentThread());
      }
      partDone(chunks);
    }
  }

  private void partDone(List<byte[]> chunks) {
    // Back in the pool before the slot is free: the writer never finds the pool empty at the bound.
    freeChunks.addAll(chunks);
    slots.release();
    synchronized (inFlightLock) {
      inFlight--;
      inFlightLock.notifyAll();
    }
  }

  /** Waits while {@code maxPartsInFlight} parts are being sent: the upload's backpressure. */
  private void acquireSlot() throws IOException {
    if (slots.tryAcquire()) {
      return;
    }
    long waiting = System.nanoTime();
    try {
      while (!slots.tryAcquire(50, TimeUnit.MILLISECONDS)) {
        // A failed part frees its slot too; this notices an abort from another thread.
        ensureWritable();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to upload " + location());
    } finally {
      waitedNanos += System.nanoTime() - waiting;
    }
  }

  /** A returned chunk, else a new one (at most maxPartsInFlight + 1 parts' worth). */
  private byte[] nextChunk() {
    byte[] chunk = freeChunks.poll();
    if (chunk != null) {
      return chunk;
    }
    if (chunksAllocated >= maxChunks) {
      // Cannot happen: a part returns its chunks before it frees its slot.
      throw new IllegalStateException("all " + maxChunks + " chunks of this upload are in use");
    }
    chunksAllocated++;
    return new byte[CHUNK];
  }

  private CompletedPart await(Future<CompletedPart> part) throws IOException {
    try {
      return part.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while completing " + location());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      failure.compareAndSet(null, cause);
      rethrowFailure();
      throw new IOException(cause);
    }
  }

  private void rethrowFailure() throws IOException {
    Throwable cause = failure.get();
    if (cause == null) {
      return;
    }
    if (cause instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    if (cause instanceof IOException io) {
      throw io;
    }
    throw new IOException("upload of " + location() + " failed", cause);
  }

  private void awaitNoPartInFlight() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ABORT_WAIT_MILLIS);
    synchronized (inFlightLock) {
      while (inFlight > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          log.warn("{} parts of {} still in flight while aborting", inFlight, location());
          return;
        }
        try {
          inFlightLock.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static ContentStreamProvider contentOf(List<byte[]> chunks, int length) {
    // A new stream per call: the SDK asks again when it retries the request.
    return () -> new ChunksInputStream(chunks, length);
  }

  private String location() {
    return "s3://" + bucket + "/" + key;
  }
}
