package dev.storagebuilder.worker.testing;

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
 * Every call handed to {@code delegate}, the interface's default methods too (the delegate may
 * implement them its own way): for a test to count or change one by overriding it.
 */
public class ForwardingObjectStore implements ObjectStore {
  private final ObjectStore delegate;

  public ForwardingObjectStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public ObjectOutput create(String key) throws IOException {
    return delegate.create(key);
  }

  @Override
  public void put(String key, byte[] content, String contentType) throws IOException {
    delegate.put(key, content, contentType);
  }

  @Override
  public void putStream(String key, long length, ContentSource content, String contentType) throws IOException {
    delegate.putStream(key, length, content, contentType);
  }

  @Override
  public byte[] get(String key) throws IOException {
    return delegate.get(key);
  }

  @Override
  public byte[] getRange(String key, long position, int length) throws IOException {
    return delegate.getRange(key, position, length);
  }

  @Override
  public RandomAccessObject open(String key) throws IOException {
    return delegate.open(key);
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public List<ListedObject> listObjects(String prefix) throws IOException {
    return delegate.listObjects(prefix);
  }

  @Override
  public void forEachObject(String prefix, Predicate<ListedObject> visitor) throws IOException {
    delegate.forEachObject(prefix, visitor);
  }

  @Override
  public void delete(String key) throws IOException {
    delegate.delete(key);
  }

  @Override
  public List<FailedDelete> deleteAll(Collection<String> keys) throws IOException {
    return delegate.deleteAll(keys);
  }
}
