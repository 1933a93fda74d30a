package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnType;
import java.sql.SQLException;

/**
 * Implemented by a {@link java.sql.ResultSet} that can hand the snapshot writer a value in the form
 * the snapshot stores it (see {@link RowBuffer}): UTF-8 bytes for STRING, days since 1970-01-01 for
 * DATE, microseconds since the epoch (UTC) for TIMESTAMP, the unscaled value at the declared scale
 * for DECIMAL. The writer then skips the Java object the getter would build (a {@code String},
 * {@code LocalDateTime}, {@code BigDecimal}) only to take it apart again: on PostgreSQL's binary
 * COPY that decode and re-encode was a sixth of the writer thread and most of its garbage.
 *
 * <p>A value offered here must be exactly what the writer makes of the getter's value. Values the
 * writer would reject or store otherwise (nulls, infinities, decimals that need rounding, exceed
 * the declared precision or a long) are not offered: the writer reads those through the getters,
 * which keep their usual meaning. One consumer thread.
 */
public interface StoredFormResultSet {
  /**
   * Whether column {@code index} (1-based) of the current row holds a non-null value offered in
   * stored form for a column declared as {@code type} ({@code precision} and {@code scale} matter for
   * DECIMAL only); if so, {@link #storedLong()}, or {@link #storedUtf8()} for STRING, returns it
   * until the next call.
   */
  boolean stored(int index, ColumnType type, int precision, int scale) throws SQLException;

  /** DATE, TIMESTAMP or DECIMAL value of the last {@link #stored} call that returned true. */
  long storedLong();

  /**
   * STRING value of the last {@link #stored} call that returned true: the bytes from {@link
   * #storedUtf8Offset()} for {@link #storedUtf8Length()} of this array, which may hold other bytes
   * around them (a driver's message, read without a copy) and is never modified afterwards.
   */
  byte[] storedUtf8();

  int storedUtf8Offset();

  int storedUtf8Length();
}
