package dev.storagebuilder.common.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * The object storage snapshots live in (S3 in production and in the embedded stack). Keys are
 * relative to the store's bucket and prefix.
 */
public interface ObjectStore {
  /**
   * Starts a streaming upload. Bytes go out in parts as they are written; nothing the size of the
   * object is held in memory or on disk. The object becomes visible only on {@link
   * ObjectOutput#close()}; {@link ObjectOutput#abort()} discards everything uploaded so far.
   */
  ObjectOutput create(String key) throws IOException;

  /** Writes a small object in one request (manifests). */
  void put(String key, byte[] content, String contentType) throws IOException;

  /**
   * Uploads {@code length} bytes from {@code content} as one object. The content may still be in the
   * making while it is sent (a file another thread is writing: the upload overlaps the writing). The
   * default streams it through {@link #create}; a store that can send a stream without buffering its
   * parts in memory overrides this (S3: one PUT), so an upload running beside another one costs no
   * part buffers.
   */
  default void putStream(String key, long length, ContentSource content, String contentType) throws IOException {
    ObjectOutput out = create(key);
    try (InputStream in = content.open()) {
      long sent = in.transferTo(out);
      if (sent != length) {
        throw new IOException(key + ": the content was " + sent + " bytes, " + length + " were announced");
      }
      out.close();
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      throw e;
    }
  }

  /** Reads a small object whole; throws {@link java.nio.file.NoSuchFileException} when absent. */
  byte[] get(String key) throws IOException;

  /**
   * Reads {@code length} bytes at {@code position} in one request (no read-ahead, no metadata
   * request first): for callers that know where to look, like key index lookups.
   */
  default byte[] getRange(String key, long position, int length) throws IOException {
    byte[] bytes = new byte[length];
    try (RandomAccessObject object = open(key)) {
      int done = 0;
      while (done < length) {
        int n = object.read(position + done, bytes, done, length - done);
        if (n < 0) {
          throw new java.io.EOFException(key + ": " + length + " bytes at " + position + " run past the end");
        }
        done += n;
      }
    }
    return bytes;
  }

  /** Opens an object for random access (Parquet readers seek to the footer first). */
  RandomAccessObject open(String key) throws IOException;

  /** Keys under a prefix, in lexicographic order. */
  List<String> list(String prefix) throws IOException;

  /**
   * The objects under a prefix with their creation times, in key order: what {@link #list} returns,
   * for callers that must tell a young object from an old one.
   */
  List<ListedObject> listObjects(String prefix) throws IOException;

  /**
   * Hands the objects under a prefix to {@code visitor} in the store's listing order (key order on
   * S3) until it returns false; a store that lists in pages asks for no page after that one, so a
   * caller that needs a few of a great many objects neither waits for nor holds the rest.
   */
  default void forEachObject(String prefix, Predicate<ListedObject> visitor) throws IOException {
    for (ListedObject object : listObjects(prefix)) {
      if (!visitor.test(object)) {
        return;
      }
    }
  }

  /** The most keys S3 deletes in one DeleteObjects request. */
  int MAX_KEYS_PER_DELETE = 1000;

  /** Deletes an object; absent objects are ignored. */
  void delete(String key) throws IOException;

  /**
   * Deletes the objects at {@code keys}, absent ones ignored, in as few requests as the store
   * allows (S3: {@link #MAX_KEYS_PER_DELETE} keys each), one after another. Returns the keys the
   * store refused one by one, each with why; every other key is deleted. Throws when a request
   * fails whole: its keys, and those of the requests not sent yet, may all still be there (a caller
   * that must count them passes at most {@link #MAX_KEYS_PER_DELETE} keys a call).
   */
  List<FailedDelete> deleteAll(Collection<String> keys) throws IOException;
}
