package dev.storagebuilder.common.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * One object of a listing ({@link ObjectStore#listObjects}).
 *
 * @param key relative to the store, as {@link ObjectStore#list} returns it
 * @param lastModified when the store created the object (S3: its LastModified, which for a
 *     multipart upload is when the upload began)
 */
public record ListedObject(String key, Instant lastModified) {
  public ListedObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
  }
}
