package dev.storagebuilder.common.snapshot;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Hands the reused {@link RowBuffer} straight to Parquet's record consumer: one JDBC row becomes
 * one Parquet record with no per-row object graph (the example Group API allocates a tree per row).
 * The buffer is loaded (and validated) before {@code ParquetWriter.write} is called, so a JDBC
 * failure or a rejected value never leaves a half-written record behind.
 *
 * <p>Values go straight to the row group's column writers when the record consumer lets us reach
 * its column store: the schema is flat, so a value is one {@code ColumnWriter.write(value, 0,
 * definitionLevel)} and a record ends with {@code ColumnWriteStore.endRecord()}, which is all the
 * record assembly ({@code MessageColumnIO}'s start/end field bookkeeping per value) does for it.
 * Same calls, same order, so the file is byte-identical; otherwise the consumer path is used.
 */
final class SnapshotWriteSupport extends WriteSupport<RowBuffer> {
  private final MessageType schema;
  private final Map<String, String> metadata;
  /** MessageColumnIO's record consumer keeps the row group's column store here (parquet-column 1.18). */
  private static final VarHandle CONSUMER_COLUMNS = consumerColumns();

  private RecordConsumer consumer;
  private ColumnWriteStore columnStore;
  private ColumnWriter[] writers;
  private int[] definitionLevels;
  private Binary op;
  private long version;

  private final boolean directColumns;

  /**
   * @param directColumns write values straight to the column writers when possible (tests turn it
   *     off to compare with the record consumer's output)
   */
  SnapshotWriteSupport(MessageType schema, Map<String, String> metadata, boolean directColumns) {
    this.schema = schema;
    this.metadata = Map.copyOf(metadata);
    this.directColumns = directColumns;
  }

  /** For delta files: the operation and version of the next record; null op for base files. */
  void nextRecord(Binary op, long version) {
    this.op = op;
    this.version = version;
  }

  @Override
  @SuppressWarnings("deprecation")
  public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
    throw new UnsupportedOperationException("snapshot files are written without Hadoop");
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(schema, metadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    // Called again for every row group, with a new consumer and column store.
    this.consumer = recordConsumer;
    this.columnStore = null;
    this.writers = null;
    if (directColumns
        && CONSUMER_COLUMNS != null
        && CONSUMER_COLUMNS.coordinateTypes().get(0).isInstance(recordConsumer)
        && schema.getColumns().size() == schema.getFieldCount()) {
      ColumnWriteStore store = (ColumnWriteStore) CONSUMER_COLUMNS.get(recordConsumer);
      int n = schema.getFieldCount();
      ColumnWriter[] columnWriters = new ColumnWriter[n];
      int[] levels = new int[n];
      for (int i = 0; i < n; i++) {
        ColumnDescriptor column = schema.getColumns().get(i);
        columnWriters[i] = store.getColumnWriter(column);
        levels[i] = column.getMaxDefinitionLevel();
      }
      this.columnStore = store;
      this.writers = columnWriters;
      this.definitionLevels = levels;
    }
  }

  @Override
  public void write(RowBuffer row) {
    if (writers != null) {
      row.writeTo(writers, definitionLevels, op, version);
      columnStore.endRecord();
    } else {
      row.writeTo(consumer, op, version);
    }
  }

  /** Whether values bypass the record consumer (tests check that the fast path is taken). */
  boolean writesColumnsDirectly() {
    return writers != null;
  }

  private static VarHandle consumerColumns() {
    try {
      Class<?> type = Class.forName("org.apache.parquet.io.MessageColumnIO$MessageColumnIORecordConsumer");
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup())
          .findVarHandle(type, "columns", ColumnWriteStore.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another Parquet version: the record consumer path still works
    }
  }

  @Override
  public String getName() {
    return "storage-builder";
  }
}
