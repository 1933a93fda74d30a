package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Base64;
import java.util.Objects;

/**
 * One stored snapshot file as a manifest lists it.
 *
 * @param key object key (see {@link StorageLayout})
 * @param rows rows the file holds as they are now: all rows of a base, the upserts of a delta
 * @param bytes object size
 * @param fromWatermark the watermark the file starts from (exclusive); a base's equals its {@code
 *     toWatermark} unless it was read with an overlap window
 * @param toWatermark every change with a version at or below it is reflected up to this file
 * @param checksum {@link RowChecksum#toHex()} of the {@code rows}
 * @param deletes deleted keys recorded in a delta (0 for a base)
 * @param keyIndex key of the file's {@link KeyIndex} sidecar ({@code rows + deletes} entries);
 *     null when the file has none (written before manifest schema version 2) or it is inline
 * @param keyIndexInline a small sidecar's bytes in base64, kept in the manifest instead of an
 *     object of its own (manifest schema version 3): it saves a PUT per small file and a GET per
 *     lookup; null when the sidecar is stored under {@code keyIndex} or there is none
 */
public record SnapshotObject(
    String key,
    SnapshotKind kind,
    long rows,
    long bytes,
    long fromWatermark,
    long toWatermark,
    String checksum,
    long deletes,
    @JsonInclude(JsonInclude.Include.NON_NULL) String keyIndex,
    @JsonInclude(JsonInclude.Include.NON_NULL) String keyIndexInline) {
  public SnapshotObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    RowChecksum.parseHex(checksum);
    if (rows < 0 || bytes < 0 || deletes < 0) {
      throw new IllegalArgumentException(
          "snapshot object " + key + ": rows, bytes and deletes must be >= 0");
    }
    if (kind == SnapshotKind.BASE && deletes != 0) {
      throw new IllegalArgumentException("snapshot object " + key + ": a base has no deletes");
    }
    if (toWatermark < fromWatermark) {
      throw new IllegalArgumentException(
          "snapshot object "
              + key
              + ": toWatermark "
              + toWatermark
              + " < fromWatermark "
              + fromWatermark);
    }
    if (keyIndex != null && keyIndexInline != null) {
      throw new IllegalArgumentException(
          "snapshot object " + key + ": its key index is either stored (keyIndex) or inline, not both");
    }
    if (keyIndexInline != null) {
      int length;
      try {
        length = Base64.getDecoder().decode(keyIndexInline).length;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "snapshot object " + key + ": keyIndexInline is not base64 (" + e.getMessage() + ")");
      }
      if (length != KeyIndex.sidecarBytes(rows + deletes)) {
        throw new IllegalArgumentException(
            "snapshot object " + key + ": keyIndexInline holds " + length + " bytes, "
                + KeyIndex.sidecarBytes(rows + deletes) + " expected for " + (rows + deletes) + " records");
      }
    }
  }

  /** A file without a key index sidecar. */
  public SnapshotObject(
      String key,
      SnapshotKind kind,
      long rows,
      long bytes,
      long fromWatermark,
      long toWatermark,
      String checksum,
      long deletes) {
    this(key, kind, rows, bytes, fromWatermark, toWatermark, checksum, deletes, null, null);
  }

  /** The same file with its key index sidecar stored under {@code keyIndexKey}. */
  public SnapshotObject withKeyIndex(String keyIndexKey) {
    return new SnapshotObject(
        key, kind, rows, bytes, fromWatermark, toWatermark, checksum, deletes, keyIndexKey, null);
  }

  /** The same file with its (small) key index sidecar's {@code content} inline. */
  public SnapshotObject withInlineKeyIndex(byte[] content) {
    return new SnapshotObject(
        key, kind, rows, bytes, fromWatermark, toWatermark, checksum, deletes, null,
        Base64.getEncoder().encodeToString(content));
  }

  /** Whether the file has a key index, stored or inline. */
  @JsonIgnore
  public boolean hasKeyIndex() {
    return keyIndex != null || keyIndexInline != null;
  }

  /** The inline sidecar's bytes; call only when {@code keyIndexInline} is set. */
  public byte[] inlineKeyIndexBytes() {
    return Base64.getDecoder().decode(Objects.requireNonNull(keyIndexInline, "keyIndexInline"));
  }

  /** Parquet records of the file (rows plus deletes): the entries of its key index. */
  public long records() {
    return rows + deletes;
  }
}
