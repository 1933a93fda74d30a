package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * The Parquet schema of a target's snapshot files, one place for the writer and the reader.
 *
 * <p>BOOLEAN→boolean; INT32→int32; INT64→int64; DOUBLE→double; DECIMAL(p,s)→DECIMAL(p,s) on int32
 * (p≤9), int64 (p≤18) or fixed_len_byte_array (minimal length for p); STRING→binary UTF8;
 * DATE→int32 DATE; TIMESTAMP→int64 TIMESTAMP(MICROS, isAdjustedToUTC=true); BYTES→binary. NOT NULL
 * columns are REQUIRED, others OPTIONAL; in deltas every non-key column is OPTIONAL.
 */
final class SnapshotSchema {
  /** 'U' (upsert: the row as it is now) or 'D' (delete: only the key columns are set). */
  static final String OP_COLUMN = "_sb_op";

  /**
   * The row's change version (its version column for upserts, the delete's version for deletes).
   */
  static final String VERSION_COLUMN = "_sb_version";

  static final String META_FORMAT = "storage-builder.format";
  static final String META_KIND = "storage-builder.kind";
  static final String META_TARGET = "storage-builder.target";
  static final String META_COLUMNS = "storage-builder.columns";
  static final String META_KEY_COLUMNS = "storage-builder.keyColumns";
  static final String META_VERSION_COLUMN = "storage-builder.versionColumn";
  static final String FORMAT_VERSION = "1";

  private SnapshotSchema() {}

  static MessageType of(
      String target, List<ColumnDeclaration> columns, List<String> keyColumns, SnapshotKind kind) {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    for (ColumnDeclaration column : columns) {
      boolean optional =
          column.nullable() || (kind == SnapshotKind.DELTA && !isKey(column, keyColumns));
      builder.addField(field(column, optional ? Repetition.OPTIONAL : Repetition.REQUIRED));
    }
    if (kind == SnapshotKind.DELTA) {
      for (ColumnDeclaration column : columns) {
        if (SnapshotKind.isDeltaColumn(column.name())) {
          throw new IllegalArgumentException(
              "target '"
                  + target
                  + "': column '"
                  + column.name()
                  + "' collides with a delta column");
        }
      }
      builder.addField(
          Types.required(PrimitiveTypeName.BINARY)
              .as(LogicalTypeAnnotation.stringType())
              .named(OP_COLUMN));
      builder.addField(Types.required(PrimitiveTypeName.INT64).named(VERSION_COLUMN));
    }
    return builder.named(target);
  }

  static MessageType of(TargetDeclaration target, SnapshotKind kind) {
    return of(target.name(), target.columns(), target.keyColumns(), kind);
  }

  static Map<String, String> metadata(TargetDeclaration target, SnapshotKind kind) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(META_FORMAT, FORMAT_VERSION);
    metadata.put(META_KIND, kind.name());
    metadata.put(META_TARGET, target.name());
    try {
      metadata.put(META_COLUMNS, Json.mapper().writeValueAsString(target.columns()));
      metadata.put(META_KEY_COLUMNS, Json.mapper().writeValueAsString(target.keyColumns()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("column declarations are not serializable", e);
    }
    metadata.put(META_VERSION_COLUMN, target.versionColumn());
    return metadata;
  }

  static boolean isKey(ColumnDeclaration column, List<String> keyColumns) {
    String name = column.name().toLowerCase(Locale.ROOT);
    return keyColumns.stream().anyMatch(key -> key.toLowerCase(Locale.ROOT).equals(name));
  }

  private static Type field(ColumnDeclaration column, Repetition repetition) {
    String name = column.name();
    return switch (column.type()) {
      case BOOLEAN -> Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
      case INT32 -> Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
      case INT64 -> Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
      case DOUBLE -> Types.primitive(PrimitiveTypeName.DOUBLE, repetition).named(name);
      case DECIMAL -> decimal(column, repetition);
      case STRING ->
          Types.primitive(PrimitiveTypeName.BINARY, repetition)
              .as(LogicalTypeAnnotation.stringType())
              .named(name);
      case DATE ->
          Types.primitive(PrimitiveTypeName.INT32, repetition)
              .as(LogicalTypeAnnotation.dateType())
              .named(name);
      case TIMESTAMP ->
          Types.primitive(PrimitiveTypeName.INT64, repetition)
              .as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS))
              .named(name);
      case BYTES -> Types.primitive(PrimitiveTypeName.BINARY, repetition).named(name);
    };
  }

  private static Type decimal(ColumnDeclaration column, Repetition repetition) {
    int precision = column.precision();
    LogicalTypeAnnotation annotation = LogicalTypeAnnotation.decimalType(column.scale(), precision);
    return switch (decimalPhysical(precision)) {
      case INT32 ->
          Types.primitive(PrimitiveTypeName.INT32, repetition).as(annotation).named(column.name());
      case INT64 ->
          Types.primitive(PrimitiveTypeName.INT64, repetition).as(annotation).named(column.name());
      default ->
          Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, repetition)
              .length(fixedLength(precision))
              .as(annotation)
              .named(column.name());
    };
  }

  static PrimitiveTypeName decimalPhysical(int precision) {
    if (precision <= 9) {
      return PrimitiveTypeName.INT32;
    }
    return precision <= 18 ? PrimitiveTypeName.INT64 : PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
  }

  private static final int[] FIXED_LENGTHS = new int[39];

  static {
    for (int precision = 1; precision < FIXED_LENGTHS.length; precision++) {
      BigInteger largest = BigInteger.TEN.pow(precision).subtract(BigInteger.ONE);
      int length = 1;
      while (BigInteger.ONE.shiftLeft(8 * length - 1).subtract(BigInteger.ONE).compareTo(largest)
          < 0) {
        length++;
      }
      FIXED_LENGTHS[precision] = length;
    }
  }

  /**
   * Smallest two's-complement byte length holding every unscaled value of {@code precision} digits.
   */
  static int fixedLength(int precision) {
    return FIXED_LENGTHS[precision];
  }
}
