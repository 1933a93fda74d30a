package dev.storagebuilder.common.snapshot;

import java.util.Map;
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
 */
final class SnapshotWriteSupport extends WriteSupport<RowBuffer> {
  private final MessageType schema;
  private final Map<String, String> metadata;
  private RecordConsumer consumer;
  private Binary op;
  private long version;

  SnapshotWriteSupport(MessageType schema, Map<String, String> metadata) {
    this.schema = schema;
    this.metadata = Map.copyOf(metadata);
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
    this.consumer = recordConsumer;
  }

  @Override
  public void write(RowBuffer row) {
    row.writeTo(consumer, op, version);
  }

  @Override
  public String getName() {
    return "storage-builder";
  }
}
