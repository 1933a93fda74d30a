package dev.storagebuilder.common.testing;

import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An {@link ObjectStore} in memory with S3's visibility rules: an upload becomes visible only when
 * closed, an aborted one never. Thread-safe. Counts what tests like to assert on: uploads in
 * flight, aborts, ranged reads, whole-object reads.
 */
public final class InMemoryObjectStore implements ObjectStore {
  private final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();
  /** When each visible object was stored, by {@link #clock} (a listing's LastModified). */
  private final Map<String, Instant> storedAt = new java.util.concurrent.ConcurrentHashMap<>();
  private final Clock clock;
  private final AtomicInteger openUploads = new AtomicInteger();
  private final AtomicInteger abortedUploads = new AtomicInteger();
  private final AtomicLong rangedReads = new AtomicLong();
  private final Map<String, AtomicInteger> gets = new java.util.concurrent.ConcurrentHashMap<>();

  public InMemoryObjectStore() {
    this(Clock.systemUTC());
  }

  /** @param clock stamps each object as it becomes visible, as S3 stamps LastModified */
  public InMemoryObjectStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public ObjectOutput create(String key) {
    openUploads.incrementAndGet();
    return new Upload(key);
  }

  private volatile Predicate<String> failingPuts = key -> false;

  /**
   * From now on, a {@link #put} or an upload's {@code close()} of a key that {@code keys} accepts
   * fails as a lost connection would (a failed upload stays open until it is aborted).
   */
  public void failPuts(Predicate<String> keys) {
    failingPuts = keys;
  }

  @Override
  public void put(String key, byte[] content, String contentType) throws IOException {
    if (failingPuts.test(key)) {
      throw new IOException("put of " + key + " failed (test)");
    }
    store(key, content.clone());
  }

  private void store(String key, byte[] content) {
    storedAt.put(key, clock.instant());
    objects.put(key, content);
  }

  @Override
  public byte[] get(String key) throws IOException {
    gets.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    byte[] content = objects.get(key);
    if (content == null) {
      throw new NoSuchFileException(key);
    }
    return content.clone();
  }

  @Override
  public RandomAccessObject open(String key) throws IOException {
    byte[] content = objects.get(key);
    if (content == null) {
      throw new NoSuchFileException(key);
    }
    return new RandomAccessObject() {
      @Override
      public long length() {
        return content.length;
      }

      @Override
      public int read(long position, byte[] buffer, int offset, int length) {
        rangedReads.incrementAndGet();
        if (position >= content.length) {
          return -1;
        }
        int n = (int) Math.min(length, content.length - position);
        System.arraycopy(content, (int) position, buffer, offset, n);
        return n;
      }
    };
  }

  @Override
  public List<String> list(String prefix) {
    List<String> keys = new ArrayList<>();
    for (String key : objects.keySet()) {
      if (key.startsWith(prefix)) {
        keys.add(key);
      }
    }
    return keys;
  }

  @Override
  public List<ListedObject> listObjects(String prefix) {
    List<ListedObject> listed = new ArrayList<>();
    for (String key : list(prefix)) {
      Instant stored = storedAt.get(key);
      if (stored != null) { // unless deleted in between
        listed.add(new ListedObject(key, stored));
      }
    }
    return listed;
  }

  @Override
  public void delete(String key) {
    objects.remove(key);
    storedAt.remove(key);
  }

  @Override
  public List<FailedDelete> deleteAll(Collection<String> keys) {
    keys.forEach(this::delete);
    return List.of();
  }

  /** The stored bytes of a visible object, or null. */
  public byte[] bytes(String key) {
    byte[] content = objects.get(key);
    return content == null ? null : content.clone();
  }

  public List<String> keys() {
    return List.copyOf(objects.keySet());
  }

  /** Uploads created and neither closed nor aborted yet. */
  public int openUploads() {
    return openUploads.get();
  }

  public int abortedUploads() {
    return abortedUploads.get();
  }

  public long rangedReads() {
    return rangedReads.get();
  }

  /** How often {@link #get} was called for {@code key}. */
  public int gets(String key) {
    AtomicInteger count = gets.get(key);
    return count == null ? 0 : count.get();
  }

  private final class Upload extends ObjectOutput {
    private final String key;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private boolean done;

    Upload(String key) {
      this.key = key;
    }

    @Override
    public void write(int b) throws IOException {
      ensureOpen();
      buffer.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      buffer.write(b, off, len);
    }

    @Override
    public long position() {
      return buffer.size();
    }

    @Override
    public void abort() {
      if (!done) {
        done = true;
        openUploads.decrementAndGet();
        abortedUploads.incrementAndGet();
      }
    }

    @Override
    public void close() throws IOException {
      if (!done) {
        if (failingPuts.test(key)) {
          throw new IOException("upload of " + key + " failed (test)");
        }
        done = true;
        openUploads.decrementAndGet();
        store(key, buffer.toByteArray());
      }
    }

    private void ensureOpen() throws IOException {
      if (done) {
        throw new IOException("upload of " + key + " is already closed or aborted");
      }
    }
  }
}
