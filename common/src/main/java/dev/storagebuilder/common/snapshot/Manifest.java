package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one committed version of a target consists of: a base and the deltas on top of it, in order,
 * with the column declarations they were written with. Stored as JSON ({@link ManifestCodec}) under
 * a new key per commit; the version record in the ledger points at it.
 *
 * @param schemaVersion {@link #CURRENT_SCHEMA_VERSION}; readers reject versions they do not know
 * @param sequence the version record's sequence this manifest was committed as
 * @param watermark every source change at or below it is reflected
 * @param columns the declarations every listed file was written with
 * @param keyColumns the key the deltas upsert and delete by
 * @param versionColumn the column holding a row's change version (decides base vs delta rows)
 * @param deltas applied in order on top of {@code base}
 * @param rowCount rows of the target's current state
 * @param contentChecksum {@link RowChecksum#toHex()} of the current state
 * @param retired objects earlier versions referenced and this one does not (and the target's
 *     leftovers a sweep found that nothing referenced or retired), kept for readers of those
 *     versions until the grace period is over (schema version 4; empty before, and left out of
 *     the JSON when empty); readers ignore it
 */
public record Manifest(
    int schemaVersion,
    String clientId,
    String target,
    long sequence,
    long watermark,
    List<ColumnDeclaration> columns,
    List<String> keyColumns,
    String versionColumn,
    SnapshotObject base,
    List<SnapshotObject> deltas,
    long rowCount,
    String contentChecksum,
    String runId,
    Instant createdAt,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<RetiredObject> retired) {

  /**
   * 4 adds the list of retired objects ({@link #retired()}); 3 allows a small key index inline ({@link SnapshotObject#keyIndexInline()}); 2 added the optional
   * per-file key index sidecars; 1 to 3 are still read.
   */
  public static final int CURRENT_SCHEMA_VERSION = 4;

  /** The first version that may list retired objects. */
  public static final int RETIRED_OBJECTS_SCHEMA_VERSION = 4;

  /** The first version that may carry a key index inline. */
  static final int INLINE_KEY_INDEX_SCHEMA_VERSION = 3;

  /** The oldest version this build reads. */
  public static final int OLDEST_SCHEMA_VERSION = 1;

  public Manifest {
    if (schemaVersion < OLDEST_SCHEMA_VERSION || schemaVersion > CURRENT_SCHEMA_VERSION) {
      throw new SnapshotFormatException(
          "manifest schemaVersion "
              + schemaVersion
              + " is not supported (this build reads "
              + OLDEST_SCHEMA_VERSION
              + ".."
              + CURRENT_SCHEMA_VERSION
              + ")");
    }
    Ids.requireClientId(clientId);
    Ids.requireTargetName(target);
    Objects.requireNonNull(columns, "columns");
    Objects.requireNonNull(keyColumns, "keyColumns");
    Objects.requireNonNull(versionColumn, "versionColumn");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(createdAt, "createdAt");
    columns = List.copyOf(columns);
    keyColumns = List.copyOf(keyColumns);
    deltas = List.copyOf(Objects.requireNonNull(deltas, "deltas"));
    // Absent in manifests written before schema version 4, and in later ones that retire nothing.
    retired = retired == null ? List.of() : List.copyOf(retired);
    if (schemaVersion < RETIRED_OBJECTS_SCHEMA_VERSION && !retired.isEmpty()) {
      throw new IllegalArgumentException(
          "manifest schemaVersion " + schemaVersion + " cannot list retired objects; it needs "
              + RETIRED_OBJECTS_SCHEMA_VERSION);
    }
    if (sequence < 1) {
      throw new IllegalArgumentException("manifest sequence must be >= 1, got " + sequence);
    }
    if (rowCount < 0) {
      throw new IllegalArgumentException("manifest rowCount must be >= 0, got " + rowCount);
    }
    RowChecksum.parseHex(contentChecksum);
    if (base.kind() != SnapshotKind.BASE) {
      throw new IllegalArgumentException("manifest base " + base.key() + " is a " + base.kind());
    }
    for (SnapshotObject delta : deltas) {
      if (delta.kind() != SnapshotKind.DELTA) {
        throw new IllegalArgumentException(
            "manifest delta " + delta.key() + " is a " + delta.kind());
      }
    }
    if (schemaVersion < INLINE_KEY_INDEX_SCHEMA_VERSION) {
      for (SnapshotObject object : objects(base, deltas)) {
        if (object.keyIndexInline() != null) {
          throw new IllegalArgumentException(
              "manifest schemaVersion " + schemaVersion + " cannot hold an inline key index (" + object.key()
                  + "); it needs " + INLINE_KEY_INDEX_SCHEMA_VERSION);
        }
      }
    }
    // The declaration's own checks: keys and version column among the columns.
    declaration(target, columns, keyColumns, versionColumn);
  }

  /** A manifest of the current schema version. */
  public static Manifest of(
      TargetRef ref,
      TargetDeclaration declaration,
      long sequence,
      long watermark,
      SnapshotObject base,
      List<SnapshotObject> deltas,
      long rowCount,
      String contentChecksum,
      String runId,
      Instant createdAt) {
    return new Manifest(
        CURRENT_SCHEMA_VERSION,
        ref.clientId(),
        ref.target(),
        sequence,
        watermark,
        declaration.columns(),
        declaration.keyColumns(),
        declaration.versionColumn(),
        base,
        deltas,
        rowCount,
        contentChecksum,
        runId,
        createdAt,
        List.of());
  }

  public TargetRef targetRef() {
    return new TargetRef(clientId, target);
  }

  /** Whether every file has a key index, stored or inline (so an incremental sync can skip the full recount). */
  public boolean keyIndexed() {
    for (SnapshotObject object : objects()) {
      if (!object.hasKeyIndex()) {
        return false;
      }
    }
    return true;
  }

  /** Characters of the key indexes kept inline, the bulk of a manifest that has any. */
  public long inlineKeyIndexChars() {
    long chars = 0;
    for (SnapshotObject object : objects()) {
      if (object.keyIndexInline() != null) {
        chars += object.keyIndexInline().length();
      }
    }
    return chars;
  }

  /** Deltas on top of the base. */
  public int chainLength() {
    return deltas.size();
  }

  /** The base, then the deltas, in the order a reader applies them. */
  public List<SnapshotObject> objects() {
    return objects(base, deltas);
  }

  private static List<SnapshotObject> objects(SnapshotObject base, List<SnapshotObject> deltas) {
    List<SnapshotObject> objects = new ArrayList<>(deltas.size() + 1);
    objects.add(base);
    objects.addAll(deltas);
    return objects;
  }

  /**
   * The next manifest with {@code delta} appended (the checksum and count of the new state given).
   */
  public Manifest withDelta(
      SnapshotObject delta,
      long sequence,
      long rowCount,
      String contentChecksum,
      String runId,
      Instant createdAt) {
    List<SnapshotObject> chain = new ArrayList<>(deltas);
    chain.add(delta);
    return new Manifest(
        CURRENT_SCHEMA_VERSION,
        clientId,
        target,
        sequence,
        delta.toWatermark(),
        columns,
        keyColumns,
        versionColumn,
        base,
        chain,
        rowCount,
        contentChecksum,
        runId,
        createdAt,
        retired);
  }

  /**
   * The same files as the manifest of a new version: committed as {@code sequence} by {@code runId}
   * at {@code createdAt}, reflecting the source up to {@code watermark} (the version record's, which
   * may be ahead of this manifest's), of the current schema and listing no retired objects yet
   * ({@link #withRetired}). For a commit that changes no row (an idle target's sweep).
   */
  public Manifest asNewVersion(long sequence, long watermark, String runId, Instant createdAt) {
    if (watermark < this.watermark) {
      throw new IllegalArgumentException(
          "a new version's watermark must not fall below " + this.watermark + ", got " + watermark);
    }
    return new Manifest(
        CURRENT_SCHEMA_VERSION, clientId, target, sequence, watermark, columns, keyColumns, versionColumn, base,
        deltas, rowCount, contentChecksum, runId, createdAt, List.of());
  }

  /** The same manifest listing {@code retired} as its retired objects instead. */
  public Manifest withRetired(List<RetiredObject> retired) {
    return new Manifest(
        CURRENT_SCHEMA_VERSION, clientId, target, sequence, watermark, columns, keyColumns, versionColumn, base,
        deltas, rowCount, contentChecksum, runId, createdAt, retired);
  }

  /**
   * The keys of the objects this version's files are stored under: each file and its stored key
   * index sidecar (not the manifest's own key, which the version record holds).
   */
  public Set<String> storedKeys() {
    Set<String> keys = new LinkedHashSet<>();
    for (SnapshotObject object : objects()) {
      keys.add(object.key());
      if (object.keyIndex() != null) {
        keys.add(object.keyIndex());
      }
    }
    return keys;
  }

  static TargetDeclaration declaration(
      String target,
      List<ColumnDeclaration> columns,
      List<String> keyColumns,
      String versionColumn) {
    // The table and client column are not part of a snapshot; placeholders satisfy the validation.
    return new TargetDeclaration(
        target, "snapshot", "client_id", keyColumns, versionColumn, columns, null, 0);
  }

  /** The declaration the files were written with (table and client column are placeholders). */
  TargetDeclaration declaration() {
    return declaration(target, columns, keyColumns, versionColumn);
  }
}
