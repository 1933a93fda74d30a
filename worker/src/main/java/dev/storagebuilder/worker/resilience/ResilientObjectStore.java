package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.common.storage.ContentSource;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ListedObject;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.storage.RandomAccessObject;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * The object store behind its dependency's circuit breaker. A streaming upload is one call, from
 * {@link #create} (refused while open) to its close (success), first failure, or abort (no outcome:
 * the target failed elsewhere). Reads of an {@linkplain #open opened} object are not calls of their
 * own: most are served from the read-ahead buffer, and counting them would dilute the failure rate
 * with successes that never reached S3; opening (a HEAD) is.
 */
public final class ResilientObjectStore implements ObjectStore {
  private final ObjectStore delegate;
  private final DependencyBreaker breaker;

  public ResilientObjectStore(ObjectStore delegate, DependencyBreaker breaker) {
    this.delegate = delegate;
    this.breaker = breaker;
  }

  @Override
  public ObjectOutput create(String key) throws IOException {
    DependencyBreaker.Pending upload = breaker.begin();
    try {
      return new Upload(delegate.create(key), upload);
    } catch (IOException | RuntimeException | Error e) {
      upload.failed(e);
      throw e;
    }
  }

  @Override
  public void put(String key, byte[] content, String contentType) throws IOException {
    breaker.call(
        () -> {
          delegate.put(key, content, contentType);
          return null;
        });
  }

  @Override
  public void putStream(String key, long length, ContentSource content, String contentType) throws IOException {
    breaker.call(
        () -> {
          delegate.putStream(key, length, content, contentType);
          return null;
        });
  }

  @Override
  public byte[] get(String key) throws IOException {
    return breaker.call(() -> delegate.get(key));
  }

  @Override
  public RandomAccessObject open(String key) throws IOException {
    return breaker.call(() -> delegate.open(key));
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    return breaker.call(() -> delegate.list(prefix));
  }

  @Override
  public List<ListedObject> listObjects(String prefix) throws IOException {
    return breaker.call(() -> delegate.listObjects(prefix));
  }

  @Override
  public void forEachObject(String prefix, Predicate<ListedObject> visitor) throws IOException {
    breaker.call(
        () -> {
          delegate.forEachObject(prefix, visitor);
          return null;
        });
  }

  @Override
  public void delete(String key) throws IOException {
    breaker.call(
        () -> {
          delegate.delete(key);
          return null;
        });
  }

  /**
   * One breaker call for the whole batch, as for a single delete: a request that fails counts; keys
   * S3 refused one by one in an answered request do not (the request got through).
   */
  @Override
  public List<FailedDelete> deleteAll(Collection<String> keys) throws IOException {
    return breaker.call(() -> delegate.deleteAll(keys));
  }

  /** Part uploads fail on a later write or on close: the first failure settles the call. */
  private static final class Upload extends ObjectOutput {
    private final ObjectOutput delegate;
    private final DependencyBreaker.Pending call;

    Upload(ObjectOutput delegate, DependencyBreaker.Pending call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public long position() {
      return delegate.position();
    }

    @Override
    public long waitedNanos() {
      return delegate.waitedNanos();
    }

    @Override
    public void write(int b) throws IOException {
      try {
        delegate.write(b);
      } catch (IOException | RuntimeException | Error e) {
        call.failed(e);
        throw e;
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      try {
        delegate.write(bytes, offset, length);
      } catch (IOException | RuntimeException | Error e) {
        call.failed(e);
        throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }

    @Override
    public void abort() {
      call.abandoned();
      delegate.abort();
    }

    @Override
    public void close() throws IOException {
      try {
        delegate.close();
        call.succeeded();
      } catch (IOException | RuntimeException | Error e) {
        call.failed(e);
        throw e;
      }
    }
  }
}
