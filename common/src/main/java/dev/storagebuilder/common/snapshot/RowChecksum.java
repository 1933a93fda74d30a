package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnDeclaration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * An order-independent checksum of a set of rows: the sum (mod 2^64) of a 64-bit hash per row, kept
 * with the row count. Adding is commutative, so the same rows give the same checksum in any order,
 * on any source, and rows can be {@link #remove removed} again (a delta's replaced rows).
 *
 * <p>A row's hash covers a canonical, type-tagged encoding of its values in declaration order, fed
 * as 64-bit words to a MurmurHash3-style mixer (see {@code RowHasher}): per column either {@code 0}
 * (null) or the type's tag (BOOLEAN 1, INT32 2, INT64 3, DOUBLE 4, DECIMAL 5, STRING 6, DATE 7,
 * TIMESTAMP 8, BYTES 9) followed by the value: BOOLEAN 0/1; INT32/INT64 the value; DOUBLE its IEEE
 * bits (NaN canonical); DECIMAL the declared scale, then {@code 0, unscaled} when the unscaled
 * value fits a long, else {@code 1} and its two's-complement bytes; DATE days since 1970-01-01;
 * TIMESTAMP microseconds since the epoch (UTC); STRING its UTF-8 bytes and BYTES its bytes, each as
 * length then little-endian words. So a null differs from an empty string or zero, and a value read
 * over JDBC ({@link JdbcValues}) hashes like the same value read back from a snapshot ({@link
 * SnapshotReader}).
 *
 * <p>Mutable and not thread-safe; {@link #copy()} before handing one out.
 */
public final class RowChecksum {
  private final List<ColumnDeclaration> columns;
  private long count;
  private long value;
  private RowBuffer buffer;
  private RowHasher hasher;

  /** An empty checksum (0 rows) over rows of these columns. */
  public RowChecksum(List<ColumnDeclaration> columns) {
    this.columns = List.copyOf(columns);
  }

  /** A checksum restored from its parts (e.g. a manifest's row count and {@link #toHex()}). */
  public static RowChecksum of(List<ColumnDeclaration> columns, long count, String hex) {
    RowChecksum checksum = new RowChecksum(columns);
    checksum.count = count;
    checksum.value = parseHex(hex);
    return checksum;
  }

  /** Adds a row of Java values in declaration order (types as documented on ColumnType). */
  public void add(Object[] row) {
    addHash(hash(row));
  }

  /** Removes a row added before (or one of a set this checksum was restored from). */
  public void remove(Object[] row) {
    count--;
    value -= hash(row);
  }

  /** Adds every row of {@code other}. */
  public void merge(RowChecksum other) {
    count += other.count;
    value += other.value;
  }

  /** Removes every row of {@code other}. */
  public void subtract(RowChecksum other) {
    count -= other.count;
    value -= other.value;
  }

  /** The hash this checksum adds for {@code row}. */
  public long hash(Object[] row) {
    if (buffer == null) {
      buffer = new RowBuffer("checksum", columns, List.of());
      hasher = new RowHasher();
    }
    buffer.loadFromValues(row);
    return buffer.hash(hasher);
  }

  void addHash(long rowHash) {
    count++;
    value += rowHash;
  }

  public long count() {
    return count;
  }

  public long value() {
    return value;
  }

  /** The value as 16 lower-case hex digits (what manifests and version records store). */
  public String toHex() {
    return HexFormat.of().toHexDigits(value);
  }

  public static long parseHex(String hex) {
    if (hex == null || hex.length() != 16) {
      throw new IllegalArgumentException("checksum must be 16 hex digits, got '" + hex + "'");
    }
    return HexFormat.fromHexDigitsToLong(hex);
  }

  public RowChecksum copy() {
    RowChecksum copy = new RowChecksum(columns);
    copy.count = count;
    copy.value = value;
    return copy;
  }

  /** Same rows (count and value); the column lists are the caller's to keep consistent. */
  @Override
  public boolean equals(Object other) {
    return other instanceof RowChecksum that && count == that.count && value == that.value;
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, value);
  }

  @Override
  public String toString() {
    return "RowChecksum[rows=" + count + ", value=" + toHex() + "]";
  }
}
