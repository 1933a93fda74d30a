package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Reads a target's current state from its manifest: the base with the deltas applied in order,
 * deletes removed, the latest version of each key winning; columns in declaration order, values of
 * the Java types documented on ColumnType. Needs no Hadoop classes.
 *
 * <p>Memory is bounded by the deltas, not the base: the deltas' net effect is loaded into a map by
 * key (compaction keeps the chain short), then the base streams past it one row group at a time,
 * skipping rows the deltas replaced or deleted, and the surviving delta upserts come last.
 */
public final class SnapshotReader {
  private final ObjectStore store;
  private final Manifest manifest;
  private final int[] keyIndexes;
  private final int versionIndex;

  private SnapshotReader(ObjectStore store, Manifest manifest) {
    this.store = store;
    this.manifest = manifest;
    var declaration = manifest.declaration();
    this.keyIndexes = declaration.keyColumns().stream().mapToInt(declaration::indexOf).toArray();
    this.versionIndex = declaration.indexOf(declaration.versionColumn());
  }

  public static SnapshotReader open(ObjectStore store, Manifest manifest) {
    return new SnapshotReader(
        Objects.requireNonNull(store, "store"), Objects.requireNonNull(manifest, "manifest"));
  }

  public Manifest manifest() {
    return manifest;
  }

  public List<ColumnDeclaration> columns() {
    return manifest.columns();
  }

  /**
   * Streams the current state. The deltas are read before this returns; the base as the iterator
   * advances. Close the iterator.
   */
  public CloseableIterator<Object[]> rows() throws IOException {
    Map<Key, Change> changes = new LinkedHashMap<>();
    int width = manifest.columns().size();
    for (SnapshotObject delta : manifest.deltas()) {
      try (CloseableIterator<Object[]> records = readFile(store, delta, manifest.columns())) {
        while (records.hasNext()) {
          Object[] record = records.next();
          boolean delete = "D".equals(record[width]);
          long version = (Long) record[width + 1];
          Key key = key(record);
          Change known = changes.get(key);
          // Ties go to the later record (files and records are applied in order), except that a
          // delete never beats a live row of the same version: one transaction deleted and
          // re-inserted the key, and the live row is what it left.
          if (known == null
              || version > known.version
              || (version == known.version && (!delete || known.delete))) {
            changes.put(
                key, new Change(delete, version, delete ? null : Arrays.copyOf(record, width)));
          }
        }
      }
    }
    return new State(readFile(store, manifest.base(), manifest.columns()), changes);
  }

  /**
   * Streams one file's records as stored: rows in declaration order; a delta's rows carry two more
   * values, the operation ("U" or "D") and the version (Long).
   */
  public static CloseableIterator<Object[]> readFile(
      ObjectStore store, SnapshotObject object, List<ColumnDeclaration> columns)
      throws IOException {
    return SnapshotFileReader.open(object.key(), store.open(object.key()), columns, object.kind());
  }

  private Key key(Object[] row) {
    Object[] values = new Object[keyIndexes.length];
    for (int i = 0; i < keyIndexes.length; i++) {
      values[i] = row[keyIndexes[i]];
    }
    return new Key(values);
  }

  private long version(Object[] row) {
    Object value = row[versionIndex];
    return value == null ? Long.MIN_VALUE : ((Number) value).longValue();
  }

  private static final class Change {
    final boolean delete;
    final long version;
    final Object[] row;
    boolean supersededByBase;

    Change(boolean delete, long version, Object[] row) {
      this.delete = delete;
      this.version = version;
      this.row = row;
    }
  }

  private final class State implements CloseableIterator<Object[]> {
    private final CloseableIterator<Object[]> base;
    private final Map<Key, Change> changes;
    private Iterator<Change> remaining;
    private Object[] next;

    State(CloseableIterator<Object[]> base, Map<Key, Change> changes) {
      this.base = base;
      this.changes = changes;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public Object[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Object[] row = next;
      next = null;
      return row;
    }

    private Object[] advance() {
      if (remaining == null) {
        while (base.hasNext()) {
          Object[] row = base.next();
          if (changes.isEmpty()) {
            return row;
          }
          Change change = changes.get(key(row));
          if (change == null) {
            return row;
          }
          long baseVersion = version(row);
          if (change.version < baseVersion || (change.delete && change.version == baseVersion)) {
            // The base already holds a newer version than the delta recorded (an overlap re-read).
            change.supersededByBase = true;
            return row;
          }
        }
        base.close();
        remaining = changes.values().iterator();
      }
      while (remaining.hasNext()) {
        Change change = remaining.next();
        if (!change.delete && !change.supersededByBase) {
          return change.row;
        }
      }
      return null;
    }

    @Override
    public void close() {
      base.close();
    }
  }

  /** Key values compared by content (byte[] keys included). */
  private static final class Key {
    private final Object[] values;
    private final int hash;

    Key(Object[] values) {
      this.values = values;
      this.hash = Arrays.deepHashCode(values);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key that
          && hash == that.hash
          && Arrays.deepEquals(values, that.values);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
