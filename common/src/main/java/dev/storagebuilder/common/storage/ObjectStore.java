package dev.storagebuilder.common.storage;

import java.io.IOException;
import java.util.List;

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

  /** Reads a small object whole; throws {@link java.nio.file.NoSuchFileException} when absent. */
  byte[] get(String key) throws IOException;

  /** Opens an object for random access (Parquet readers seek to the footer first). */
  RandomAccessObject open(String key) throws IOException;

  /** Keys under a prefix, in lexicographic order. */
  List<String> list(String prefix) throws IOException;

  /** Deletes an object; absent objects are ignored. */
  void delete(String key) throws IOException;
}
