package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnDeclaration;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Turns Parquet records into {@code Object[]} rows in declaration order, checking first that the
 * file's schema holds every declared column with the declared Parquet type.
 */
final class RowMaterializer extends RecordMaterializer<Object[]> {
  private final int width;
  private final Root root;
  private Object[] current;

  RowMaterializer(
      String key, MessageType fileSchema, List<ColumnDeclaration> columns, SnapshotKind kind) {
    MessageType expected = SnapshotSchema.of("snapshot", columns, List.of(), kind);
    this.width = expected.getFieldCount();
    Converter[] converters = new Converter[fileSchema.getFieldCount()];
    for (int i = 0; i < converters.length; i++) {
      converters[i] = new Discard();
    }
    for (int out = 0; out < expected.getFieldCount(); out++) {
      Type want = expected.getType(out);
      if (!fileSchema.containsField(want.getName())) {
        throw new SnapshotFormatException(key + ": has no column '" + want.getName() + "'");
      }
      int in = fileSchema.getFieldIndex(want.getName());
      Type have = fileSchema.getType(in);
      if (!have.isPrimitive() || !sameType(want.asPrimitiveType(), have.asPrimitiveType())) {
        throw new SnapshotFormatException(
            key + ": column '" + want.getName() + "' is " + have + ", expected " + want);
      }
      ColumnDeclaration declaration = out < columns.size() ? columns.get(out) : null;
      converters[in] = converter(out, declaration, have.asPrimitiveType());
    }
    this.root = new Root(converters);
  }

  @Override
  public Object[] getCurrentRecord() {
    return current;
  }

  @Override
  public GroupConverter getRootConverter() {
    return root;
  }

  private static boolean sameType(PrimitiveType want, PrimitiveType have) {
    return want.getPrimitiveTypeName() == have.getPrimitiveTypeName()
        && want.getTypeLength() == have.getTypeLength()
        && Objects.equals(want.getLogicalTypeAnnotation(), have.getLogicalTypeAnnotation());
  }

  private PrimitiveConverter converter(int out, ColumnDeclaration declaration, PrimitiveType type) {
    if (declaration == null) {
      // _sb_op (string) or _sb_version (int64)
      return type.getPrimitiveTypeName() == PrimitiveTypeName.BINARY
          ? new Value(out) {
            @Override
            public void addBinary(Binary value) {
              set(value.toStringUsingUTF8());
            }
          }
          : new Value(out) {
            @Override
            public void addLong(long value) {
              set(value);
            }
          };
    }
    return switch (declaration.type()) {
      case BOOLEAN ->
          new Value(out) {
            @Override
            public void addBoolean(boolean value) {
              set(value);
            }
          };
      case INT32 ->
          new Value(out) {
            @Override
            public void addInt(int value) {
              set(value);
            }
          };
      case INT64 ->
          new Value(out) {
            @Override
            public void addLong(long value) {
              set(value);
            }
          };
      case DOUBLE ->
          new Value(out) {
            @Override
            public void addDouble(double value) {
              set(value);
            }
          };
      case DECIMAL -> decimal(out, declaration.scale());
      case STRING ->
          new Value(out) {
            @Override
            public void addBinary(Binary value) {
              set(value.toStringUsingUTF8());
            }
          };
      case DATE ->
          new Value(out) {
            @Override
            public void addInt(int value) {
              set(LocalDate.ofEpochDay(value));
            }
          };
      case TIMESTAMP ->
          new Value(out) {
            @Override
            public void addLong(long value) {
              set(RowBuffer.instantOfMicros(value));
            }
          };
      case BYTES ->
          new Value(out) {
            @Override
            public void addBinary(Binary value) {
              set(value.getBytes());
            }
          };
    };
  }

  private PrimitiveConverter decimal(int out, int scale) {
    return new Value(out) {
      @Override
      public void addInt(int value) {
        set(BigDecimal.valueOf(value, scale));
      }

      @Override
      public void addLong(long value) {
        set(BigDecimal.valueOf(value, scale));
      }

      @Override
      public void addBinary(Binary value) {
        set(new BigDecimal(new BigInteger(value.getBytes()), scale));
      }
    };
  }

  private final class Root extends GroupConverter {
    private final Converter[] converters;

    Root(Converter[] converters) {
      this.converters = converters;
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return converters[fieldIndex];
    }

    @Override
    public void start() {
      current = new Object[width];
    }

    @Override
    public void end() {}
  }

  private class Value extends PrimitiveConverter {
    private final int index;

    Value(int index) {
      this.index = index;
    }

    final void set(Object value) {
      current[index] = value;
    }
  }

  /** Columns of the file the declaration does not name. */
  private static final class Discard extends PrimitiveConverter {
    @Override
    public void addBinary(Binary value) {}

    @Override
    public void addBoolean(boolean value) {}

    @Override
    public void addDouble(double value) {}

    @Override
    public void addFloat(float value) {}

    @Override
    public void addInt(int value) {}

    @Override
    public void addLong(long value) {}
  }
}
