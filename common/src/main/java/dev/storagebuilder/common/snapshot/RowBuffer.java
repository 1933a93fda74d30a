package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * One row in canonical form, reused for every row: primitives in a {@code long[]}, strings and byte
 * arrays by reference. Everything that turns a source value into a snapshot value lives here, so
 * the writer (from JDBC or from Java values), {@link JdbcValues} and {@link RowChecksum} cannot
 * disagree on what a value is.
 *
 * <p>Canonical forms: BOOLEAN 0/1; INT32/INT64 the value; DOUBLE its bits, every NaN as Java's
 * one NaN (a source's NaN bits differ by how it computed it and how it was read); DECIMAL the unscaled
 * value at the declared scale (a long when it fits, else a BigInteger); STRING the String and its
 * UTF-8 bytes; DATE days since 1970-01-01; TIMESTAMP microseconds since the epoch (UTC, finer
 * digits truncated toward the past); BYTES the array.
 *
 * <p>A load either completes or throws {@link SnapshotDataException} before anything is written, so
 * a rejected row leaves the writer and the checksum untouched. Not thread-safe.
 */
final class RowBuffer {
  // Type tags of the checksum encoding; part of the format (see RowChecksum).
  private static final int TAG_NULL = 0;

  final String target;
  final Column[] columns;
  final long[] longs;
  final Object[] refs;
  /** STRING values as UTF-8: {@code utf8Length[c]} bytes from {@code utf8Offset[c]} of {@code utf8[c]}. */
  final byte[][] utf8;
  final int[] utf8Offset;
  final int[] utf8Length;
  final boolean[] nulls;
  private final byte[][] fixed;
  private final boolean[] zoned;
  private ResultSet boundResultSet;
  /** The bound result set when it offers values in stored form, else null. */
  private StoredFormResultSet storedForm;

  RowBuffer(String target, List<ColumnDeclaration> declarations, List<String> keyColumns) {
    this.target = target;
    int n = declarations.size();
    columns = new Column[n];
    fixed = new byte[n][];
    for (int i = 0; i < n; i++) {
      ColumnDeclaration declaration = declarations.get(i);
      columns[i] = new Column(declaration, SnapshotSchema.isKey(declaration, keyColumns));
      if (columns[i].fixedLength > 0) {
        fixed[i] = new byte[columns[i].fixedLength];
      }
    }
    longs = new long[n];
    refs = new Object[n];
    utf8 = new byte[n][];
    utf8Offset = new int[n];
    utf8Length = new int[n];
    nulls = new boolean[n];
    zoned = new boolean[n];
  }

  int size() {
    return columns.length;
  }

  /** Reads the current row; columns 1..n of {@code rs} in declaration order. */
  void loadFromResultSet(ResultSet rs) throws SQLException {
    if (rs != boundResultSet) {
      bind(rs);
    }
    for (int c = 0; c < columns.length; c++) {
      Column column = columns[c];
      int index = c + 1;
      boolean isNull;
      switch (column.type) {
        case BOOLEAN -> {
          boolean value = rs.getBoolean(index);
          isNull = rs.wasNull();
          longs[c] = value ? 1 : 0;
        }
        case INT32 -> {
          int value = rs.getInt(index);
          isNull = rs.wasNull();
          longs[c] = value;
        }
        case INT64 -> {
          long value = rs.getLong(index);
          isNull = rs.wasNull();
          longs[c] = value;
        }
        case DOUBLE -> {
          double value = rs.getDouble(index);
          isNull = rs.wasNull();
          longs[c] = Double.doubleToLongBits(value);
        }
        case DECIMAL -> {
          if (storedForm != null && storedForm.stored(index, ColumnType.DECIMAL, column.precision, column.scale)) {
            longs[c] = storedForm.storedLong();
            refs[c] = null;
            isNull = false;
          } else {
            BigDecimal value = rs.getBigDecimal(index);
            isNull = value == null;
            if (!isNull) {
              setDecimal(c, value);
            }
          }
        }
        case STRING -> {
          if (storedForm != null && storedForm.stored(index, ColumnType.STRING, 0, 0)) {
            refs[c] = null; // toValues() decodes it when asked
            utf8[c] = storedForm.storedUtf8();
            utf8Offset[c] = storedForm.storedUtf8Offset();
            utf8Length[c] = storedForm.storedUtf8Length();
            isNull = false;
          } else {
            String value = rs.getString(index);
            isNull = value == null;
            if (!isNull) {
              setString(c, value);
            }
          }
        }
        case DATE -> {
          if (storedForm != null && storedForm.stored(index, ColumnType.DATE, 0, 0)) {
            longs[c] = storedForm.storedLong();
            isNull = false;
          } else {
            LocalDate value = JdbcTemporals.read(rs, index, LocalDate.class, target, column.name);
            isNull = value == null;
            if (!isNull) {
              setDate(c, value);
            }
          }
        }
        case TIMESTAMP -> {
          if (storedForm != null && storedForm.stored(index, ColumnType.TIMESTAMP, 0, 0)) {
            longs[c] = storedForm.storedLong();
            isNull = false;
          } else if (zoned[c]) {
            OffsetDateTime value =
                JdbcTemporals.read(rs, index, OffsetDateTime.class, target, column.name);
            isNull = value == null;
            if (!isNull) {
              setMicros(c, value.toEpochSecond(), value.getNano(), value);
            }
          } else {
            // TIMESTAMP WITHOUT TIME ZONE: the wall-clock value is taken as UTC.
            LocalDateTime value =
                JdbcTemporals.read(rs, index, LocalDateTime.class, target, column.name);
            isNull = value == null;
            if (!isNull) {
              setMicros(c, value.toEpochSecond(ZoneOffset.UTC), value.getNano(), value);
            }
          }
        }
        case BYTES -> {
          byte[] value = rs.getBytes(index);
          isNull = value == null;
          refs[c] = value;
        }
        default -> throw new IllegalStateException("unhandled type " + column.type);
      }
      nulls[c] = isNull;
      if (isNull && !column.nullable) {
        throw nullInNotNullColumn(column);
      }
    }
  }

  /** Loads Java values in declaration order (types as documented on {@link ColumnType}). */
  void loadFromValues(Object[] values) {
    if (values.length != columns.length) {
      throw new IllegalArgumentException(
          "target '" + target + "': expected " + columns.length + " values, got " + values.length);
    }
    for (int c = 0; c < columns.length; c++) {
      Object value = values[c];
      nulls[c] = value == null;
      if (value == null) {
        if (!columns[c].nullable) {
          throw nullInNotNullColumn(columns[c]);
        }
      } else {
        setValue(c, value);
      }
    }
  }

  /**
   * Loads a delete: the key columns from {@code keyValues} (in key order), every other column null.
   */
  void loadKey(Object[] keyValues, int[] keyIndexes) {
    if (keyValues.length != keyIndexes.length) {
      throw new IllegalArgumentException(
          "target '"
              + target
              + "': expected "
              + keyIndexes.length
              + " key values, got "
              + keyValues.length);
    }
    java.util.Arrays.fill(nulls, true);
    for (int k = 0; k < keyIndexes.length; k++) {
      int c = keyIndexes[k];
      Object value = keyValues[k];
      if (value == null) {
        throw new SnapshotDataException(
            where(columns[c]) + "is a key column and cannot be null in a delete");
      }
      nulls[c] = false;
      setValue(c, value);
    }
  }

  private void setValue(int c, Object value) {
    Column column = columns[c];
    switch (column.type) {
      case BOOLEAN -> {
        if (!(value instanceof Boolean b)) {
          throw wrongType(column, value);
        }
        longs[c] = b ? 1 : 0;
      }
      case INT32 -> {
        if (!(value instanceof Integer || value instanceof Short || value instanceof Byte)) {
          throw wrongType(column, value);
        }
        longs[c] = ((Number) value).intValue();
      }
      case INT64 -> {
        if (!(value instanceof Long
            || value instanceof Integer
            || value instanceof Short
            || value instanceof Byte)) {
          throw wrongType(column, value);
        }
        longs[c] = ((Number) value).longValue();
      }
      case DOUBLE -> {
        if (!(value instanceof Double || value instanceof Float)) {
          throw wrongType(column, value);
        }
        longs[c] = Double.doubleToLongBits(((Number) value).doubleValue());
      }
      case DECIMAL -> {
        if (!(value instanceof BigDecimal decimal)) {
          throw wrongType(column, value);
        }
        setDecimal(c, decimal);
      }
      case STRING -> {
        if (!(value instanceof String string)) {
          throw wrongType(column, value);
        }
        setString(c, string);
      }
      case DATE -> {
        if (value instanceof LocalDate date) {
          setDate(c, date);
        } else if (value instanceof java.sql.Date date) {
          setDate(c, date.toLocalDate());
        } else {
          throw wrongType(column, value);
        }
      }
      case TIMESTAMP -> {
        switch (value) {
          case Instant instant -> setMicros(c, instant.getEpochSecond(), instant.getNano(), value);
          case OffsetDateTime time -> setMicros(c, time.toEpochSecond(), time.getNano(), value);
          case ZonedDateTime time -> setMicros(c, time.toEpochSecond(), time.getNano(), value);
          case LocalDateTime time ->
              setMicros(c, time.toEpochSecond(ZoneOffset.UTC), time.getNano(), value);
          default -> throw wrongType(column, value);
        }
      }
      case BYTES -> {
        if (!(value instanceof byte[])) {
          throw wrongType(column, value);
        }
        refs[c] = value;
      }
      default -> throw new IllegalStateException("unhandled type " + column.type);
    }
  }

  private void setDecimal(int c, BigDecimal value) {
    Column column = columns[c];
    BigDecimal scaled;
    try {
      scaled = value.setScale(column.scale, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new SnapshotDataException(
          where(column)
              + "is "
              + column.describe()
              + " and cannot hold "
              + value.toPlainString()
              + " without rounding");
    }
    if (scaled.precision() > column.precision) {
      throw new SnapshotDataException(
          where(column)
              + "is "
              + column.describe()
              + " and cannot hold "
              + value.toPlainString()
              + " ("
              + scaled.precision()
              + " digits)");
    }
    BigInteger unscaled = scaled.unscaledValue();
    if (unscaled.bitLength() < Long.SIZE) {
      longs[c] = unscaled.longValue();
      refs[c] = null;
    } else {
      refs[c] = unscaled;
    }
  }

  private void setString(int c, String value) {
    int unpaired = unpairedSurrogate(value);
    if (unpaired >= 0) {
      // UTF-8 has no form for it: getBytes would store '?' in its place, and the checksum, which
      // hashes those bytes, could not tell the stored text from the source's.
      throw new SnapshotDataException(
          where(columns[c])
              + "holds text with an unpaired surrogate (\\u"
              + HexFormat.of().withUpperCase().toHexDigits(value.charAt(unpaired))
              + " at index "
              + unpaired
              + "), which is not Unicode text and cannot be stored as UTF-8");
    }
    refs[c] = value;
    utf8[c] = value.getBytes(StandardCharsets.UTF_8);
    utf8Offset[c] = 0;
    utf8Length[c] = utf8[c].length;
  }

  /** Index of the first surrogate that is not half of a pair, or -1. */
  private static int unpairedSurrogate(String value) {
    int length = value.length();
    for (int i = 0; i < length; i++) {
      char ch = value.charAt(i);
      if (Character.isSurrogate(ch)) {
        if (Character.isHighSurrogate(ch) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * A STRING value for Parquet, marked as reused: the array may be a driver's whole message, so
   * what Parquet keeps (dictionary entries, min and max) it copies out at the value's own size.
   */
  private Binary utf8Binary(int c) {
    return Binary.fromReusedByteArray(utf8[c], utf8Offset[c], utf8Length[c]);
  }

  private void setDate(int c, LocalDate value) {
    long days = value.toEpochDay();
    if (days < Integer.MIN_VALUE || days > Integer.MAX_VALUE) {
      throw new SnapshotDataException(where(columns[c]) + "is DATE and cannot hold " + value);
    }
    longs[c] = days;
  }

  private void setMicros(int c, long epochSecond, int nano, Object original) {
    try {
      longs[c] = Math.addExact(Math.multiplyExact(epochSecond, 1_000_000L), nano / 1_000);
    } catch (ArithmeticException e) {
      throw new SnapshotDataException(
          where(columns[c])
              + "is TIMESTAMP (microseconds since 1970 in 64 bits) and cannot hold "
              + original);
    }
  }

  /**
   * Decides per TIMESTAMP column whether the source holds instants (WITH TIME ZONE) or wall-clock
   * times, and whether {@code rs} offers stored forms; {@link #loadFromResultSet} does it for a new
   * result set.
   */
  void bind(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = null;
    for (int c = 0; c < columns.length; c++) {
      if (columns[c].type == ColumnType.TIMESTAMP) {
        if (meta == null) {
          meta = rs.getMetaData();
        }
        int sqlType = meta.getColumnType(c + 1);
        String typeName = String.valueOf(meta.getColumnTypeName(c + 1)).toLowerCase(Locale.ROOT);
        zoned[c] =
            sqlType == Types.TIMESTAMP_WITH_TIMEZONE
                || typeName.equals("timestamptz")
                || typeName.contains("with time zone");
      }
    }
    boundResultSet = rs;
    storedForm = rs instanceof StoredFormResultSet stored ? stored : null;
  }

  /** The canonical hash of the loaded row (see {@link RowChecksum} for the encoding). */
  long hash(RowHasher hasher) {
    hasher.reset();
    for (int c = 0; c < columns.length; c++) {
      hashColumn(hasher, c);
    }
    return hasher.finish();
  }

  /** The same encoding over the key columns only, in key order: the {@link KeyIndex} key hash. */
  long keyHash(RowHasher hasher, int[] keyIndexes) {
    hasher.reset();
    for (int c : keyIndexes) {
      hashColumn(hasher, c);
    }
    return hasher.finish();
  }

  private void hashColumn(RowHasher hasher, int c) {
    if (nulls[c]) {
      hasher.word(TAG_NULL);
      return;
    }
    Column column = columns[c];
    hasher.word(column.tag);
    switch (column.type) {
      case BOOLEAN, INT32, INT64, DATE, TIMESTAMP -> hasher.word(longs[c]);
      case DOUBLE -> hasher.word(Double.doubleToLongBits(Double.longBitsToDouble(longs[c])));
      case DECIMAL -> {
        hasher.word(column.scale);
        if (refs[c] == null) {
          hasher.word(0);
          hasher.word(longs[c]);
        } else {
          byte[] bytes = ((BigInteger) refs[c]).toByteArray();
          hasher.word(1);
          hasher.bytes(bytes, 0, bytes.length);
        }
      }
      case STRING -> hasher.bytes(utf8[c], utf8Offset[c], utf8Length[c]);
      case BYTES -> {
        byte[] bytes = (byte[]) refs[c];
        hasher.bytes(bytes, 0, bytes.length);
      }
      default -> throw new IllegalStateException("unhandled type " + column.type);
    }
  }

  /** The loaded row as Java values (types as documented on {@link ColumnType}). */
  Object[] toValues() {
    Object[] values = new Object[columns.length];
    for (int c = 0; c < columns.length; c++) {
      if (nulls[c]) {
        continue;
      }
      Column column = columns[c];
      values[c] =
          switch (column.type) {
            case BOOLEAN -> longs[c] != 0;
            case INT32 -> (int) longs[c];
            case INT64 -> longs[c];
            case DOUBLE -> Double.longBitsToDouble(longs[c]);
            case DECIMAL ->
                refs[c] == null
                    ? BigDecimal.valueOf(longs[c], column.scale)
                    : new BigDecimal((BigInteger) refs[c], column.scale);
            case STRING -> refs[c] != null ? refs[c] : new String(utf8[c], utf8Offset[c], utf8Length[c], StandardCharsets.UTF_8);
            case BYTES -> refs[c];
            case DATE -> LocalDate.ofEpochDay(longs[c]);
            case TIMESTAMP -> instantOfMicros(longs[c]);
          };
    }
    return values;
  }

  /** Writes the loaded row as one Parquet record; deltas add the operation and the version. */
  void writeTo(RecordConsumer consumer, Binary op, long version) {
    consumer.startMessage();
    for (int c = 0; c < columns.length; c++) {
      if (nulls[c]) {
        continue;
      }
      Column column = columns[c];
      consumer.startField(column.name, c);
      switch (column.type) {
        case BOOLEAN -> consumer.addBoolean(longs[c] != 0);
        case INT32, DATE -> consumer.addInteger((int) longs[c]);
        case INT64, TIMESTAMP -> consumer.addLong(longs[c]);
        case DOUBLE -> consumer.addDouble(Double.longBitsToDouble(longs[c]));
        case DECIMAL -> writeDecimal(consumer, c, column);
        case STRING -> consumer.addBinary(utf8Binary(c));
        case BYTES -> consumer.addBinary(Binary.fromConstantByteArray((byte[]) refs[c]));
        default -> throw new IllegalStateException("unhandled type " + column.type);
      }
      consumer.endField(column.name, c);
    }
    if (op != null) {
      int opIndex = columns.length;
      consumer.startField(SnapshotSchema.OP_COLUMN, opIndex);
      consumer.addBinary(op);
      consumer.endField(SnapshotSchema.OP_COLUMN, opIndex);
      consumer.startField(SnapshotSchema.VERSION_COLUMN, opIndex + 1);
      consumer.addLong(version);
      consumer.endField(SnapshotSchema.VERSION_COLUMN, opIndex + 1);
    }
    consumer.endMessage();
  }

  /**
   * The same record straight into the row group's column writers (a flat schema: repetition level
   * 0, a present value at its column's maximum definition level, a null at 0); the caller ends the
   * record.
   */
  void writeTo(ColumnWriter[] writers, int[] definitionLevels, Binary op, long version) {
    for (int c = 0; c < columns.length; c++) {
      ColumnWriter writer = writers[c];
      if (nulls[c]) {
        writer.writeNull(0, 0);
        continue;
      }
      int d = definitionLevels[c];
      switch (columns[c].type) {
        case BOOLEAN -> writer.write(longs[c] != 0, 0, d);
        case INT32, DATE -> writer.write((int) longs[c], 0, d);
        case INT64, TIMESTAMP -> writer.write(longs[c], 0, d);
        case DOUBLE -> writer.write(Double.longBitsToDouble(longs[c]), 0, d);
        case DECIMAL -> {
          Column column = columns[c];
          switch (column.physical) {
            case INT32 -> writer.write((int) longs[c], 0, d);
            case INT64 -> writer.write(longs[c], 0, d);
            default -> writer.write(fixedDecimal(c), 0, d);
          }
        }
        case STRING -> writer.write(utf8Binary(c), 0, d);
        case BYTES -> writer.write(Binary.fromConstantByteArray((byte[]) refs[c]), 0, d);
        default -> throw new IllegalStateException("unhandled type " + columns[c].type);
      }
    }
    if (op != null) {
      writers[columns.length].write(op, 0, definitionLevels[columns.length]);
      writers[columns.length + 1].write(version, 0, definitionLevels[columns.length + 1]);
    }
  }

  private void writeDecimal(RecordConsumer consumer, int c, Column column) {
    switch (column.physical) {
      case INT32 -> consumer.addInteger((int) longs[c]);
      case INT64 -> consumer.addLong(longs[c]);
      default -> consumer.addBinary(fixedDecimal(c));
    }
  }

  /** A FIXED_LEN_BYTE_ARRAY decimal: the unscaled value in big-endian two's complement. */
  private Binary fixedDecimal(int c) {
    byte[] out = fixed[c];
    if (refs[c] == null) {
      long value = longs[c];
      for (int i = out.length - 1; i >= 0; i--) {
        out[i] = (byte) value;
        value >>= 8;
      }
    } else {
      byte[] bytes = ((BigInteger) refs[c]).toByteArray();
      int pad = out.length - bytes.length;
      byte sign = (byte) (bytes[0] < 0 ? -1 : 0);
      java.util.Arrays.fill(out, 0, pad, sign);
      System.arraycopy(bytes, 0, out, pad, bytes.length);
    }
    return Binary.fromReusedByteArray(out);
  }

  /** The row's value in column {@code c} as a long (INT32/INT64 version columns). */
  long longAt(int c) {
    return longs[c];
  }

  static Instant instantOfMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  private SnapshotDataException nullInNotNullColumn(Column column) {
    return new SnapshotDataException(where(column) + "is declared NOT NULL but the row has null");
  }

  private SnapshotDataException wrongType(Column column, Object value) {
    String shown = String.valueOf(value);
    if (shown.length() > 64) {
      shown = shown.substring(0, 64) + "...";
    }
    return new SnapshotDataException(
        where(column)
            + "is "
            + column.describe()
            + " and cannot hold a "
            + value.getClass().getName()
            + " ('"
            + shown
            + "')");
  }

  private String where(Column column) {
    return "target '" + target + "': column '" + column.name + "' ";
  }

  static final class Column {
    final String name;
    final ColumnType type;
    final boolean nullable;
    final boolean key;
    final int precision;
    final int scale;
    final PrimitiveTypeName physical;
    final int fixedLength;
    final int tag;

    Column(ColumnDeclaration declaration, boolean key) {
      this.name = declaration.name();
      this.type = declaration.type();
      this.nullable = declaration.nullable();
      this.key = key;
      this.precision = declaration.precision() == null ? 0 : declaration.precision();
      this.scale = declaration.scale() == null ? 0 : declaration.scale();
      this.physical = type == ColumnType.DECIMAL ? SnapshotSchema.decimalPhysical(precision) : null;
      this.fixedLength =
          physical == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
              ? SnapshotSchema.fixedLength(precision)
              : 0;
      this.tag = tag(type);
    }

    String describe() {
      return type == ColumnType.DECIMAL ? "DECIMAL(" + precision + "," + scale + ")" : type.name();
    }

    /** Stable codes, independent of the enum's order. */
    private static int tag(ColumnType type) {
      return switch (type) {
        case BOOLEAN -> 1;
        case INT32 -> 2;
        case INT64 -> 3;
        case DOUBLE -> 4;
        case DECIMAL -> 5;
        case STRING -> 6;
        case DATE -> 7;
        case TIMESTAMP -> 8;
        case BYTES -> 9;
      };
    }
  }
}
