package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Streams one snapshot file (Parquet, ZSTD) into an {@link ObjectOutput}: rows go from the JDBC
 * result set straight into Parquet's column writers, full row groups go out as they fill, and the
 * object becomes visible only on {@link #finish()}. Needs no Hadoop classes at run time.
 *
 * <pre>{@code
 * try (SnapshotWriter writer = SnapshotWriter.open(target, SnapshotKind.BASE, store.create(key), options)) {
 *   while (rs.next()) writer.writeRow(rs);
 *   SnapshotFileStats stats = writer.finish();
 * } // closing an unfinished writer aborts the upload
 * }</pre>
 *
 * <p>A {@link SnapshotDataException} rejects one row before any of it is written: the file stays
 * consistent, and the caller decides whether to {@link #abort()} (the pipeline does: such data is a
 * permanent failure of the target). Not thread-safe.
 */
public final class SnapshotWriter implements AutoCloseable {
  /**
   * Version 2 data pages and encodings: integers that miss the dictionary are stored as deltas
   * (DELTA_BINARY_PACKED) and such text as shared prefixes (DELTA_BYTE_ARRAY) instead of plain
   * values, so keys, versions, timestamps and amounts that rise with the key shrink to a few bits
   * before ZSTD sees them. The bench's 1M raw_data rows read over COPY: 9.9 MB instead of 18.3 MB,
   * and 0.66-0.69 instead of 0.79-0.81 CPU-s in the writing thread (ZSTD has half the input); read
   * back no slower. parquet-mr (our reader), Arrow, DuckDB and Spark 3.3+ read these pages, and the
   * reader still reads the version 1 files written before.
   */
  static final WriterVersion PAGE_VERSION = WriterVersion.PARQUET_2_0;

  private static final Binary UPSERT = Binary.fromString("U");
  private static final Binary DELETE = Binary.fromString("D");

  private enum State {
    OPEN,
    SEALED,
    FINISHED,
    ABORTED,
    FAILED
  }

  private final TargetDeclaration target;
  private final SnapshotKind kind;
  private final ObjectOutput out;
  private final ParquetWriter<RowBuffer> parquet;
  private final SnapshotWriteSupport support;
  private final ZstdCodecFactory codecs;
  private final RowBuffer row;
  private final RowHasher hasher = new RowHasher();
  private final RowChecksum checksum;
  private final int versionIndex;
  private final int[] keyIndexes;
  private final KeyIndexWriter keyIndex;
  private long rows;
  private long deletes;
  private State state = State.OPEN;

  private SnapshotWriter(
      TargetDeclaration target,
      SnapshotKind kind,
      ObjectOutput out,
      ParquetWriter<RowBuffer> parquet,
      SnapshotWriteSupport support,
      ZstdCodecFactory codecs,
      RowBuffer row,
      KeyIndexWriter keyIndex) {
    this.target = target;
    this.kind = kind;
    this.out = out;
    this.parquet = parquet;
    this.support = support;
    this.codecs = codecs;
    this.row = row;
    this.checksum = new RowChecksum(target.columns());
    this.versionIndex = target.indexOf(target.versionColumn());
    this.keyIndexes = target.keyColumns().stream().mapToInt(target::indexOf).toArray();
    this.keyIndex = keyIndex;
  }

  /**
   * Starts a file. On failure the output is aborted. {@code out} belongs to the writer from here
   * on: {@link #finish()} publishes it, {@link #abort()} or {@link #close()} discards it.
   */
  public static SnapshotWriter open(
      TargetDeclaration target, SnapshotKind kind, ObjectOutput out, SnapshotWriterOptions options)
      throws IOException {
    return open(target, kind, out, options, null);
  }

  /**
   * Also records every record's key hash, row hash, version and operation in {@code keyIndex}
   * (null for none); the caller writes the sidecar after {@link #finish()}.
   */
  public static SnapshotWriter open(
      TargetDeclaration target,
      SnapshotKind kind,
      ObjectOutput out,
      SnapshotWriterOptions options,
      KeyIndexWriter keyIndex)
      throws IOException {
    return open(target, kind, out, options, keyIndex, true, PAGE_VERSION);
  }

  /**
   * Tests: {@code directColumns} false sends every record through Parquet's record consumer;
   * {@code pageVersion} 1.0 writes pages as snapshots written before 2026-11-27 have them.
   */
  static SnapshotWriter open(
      TargetDeclaration target,
      SnapshotKind kind,
      ObjectOutput out,
      SnapshotWriterOptions options,
      KeyIndexWriter keyIndex,
      boolean directColumns,
      WriterVersion pageVersion)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(options, "options");
    try {
      MessageType schema = SnapshotSchema.of(target, kind);
      SnapshotWriteSupport support =
          new SnapshotWriteSupport(schema, SnapshotSchema.metadata(target, kind), directColumns);
      ZstdCodecFactory codecs = new ZstdCodecFactory(options.zstdLevel());
      Builder builder =
          new Builder(new ObjectOutputFile(out), support)
              .withConf(new PlainParquetConfiguration())
              .withCodecFactory(codecs)
              .withCompressionCodec(CompressionCodecName.ZSTD)
              .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
              .withRowGroupSize(options.rowGroupBytes())
              .withPageSize(options.pageBytes())
              .withDictionaryPageSize(options.pageBytes())
              .withValidation(false)
              .withWriterVersion(pageVersion)
              // Parquet measures its buffers first after 100 rows and then up to 10,000 rows apart:
              // with wide rows a row group would outgrow its budget many times over. Measuring from
              // the first row and at least every 1,000 keeps memory near rowGroupBytes; the checks
              // adapt to the row size, so narrow rows are still measured rarely.
              .withMinRowCountForPageSizeCheck(1)
              .withMaxRowCountForPageSizeCheck(1_000)
              // Size statistics (Parquet 1.14+: unencoded byte sizes and level histograms per page
              // and chunk) are planning hints no reader of ours uses; collecting them cost ~4% of
              // the writer's CPU on raw_data. Min/max statistics stay: they prune row groups.
              .withSizeStatisticsEnabled(false);
      // Dictionaries only for text and bytes that are not the (unique) key. Numbers are stored as
      // deltas or plain values: a dictionary attempt on each row group's first page and the
      // fallback wrapper on every value cost the writing thread 12-13 % on the bench's raw_data
      // (0.62 instead of 0.70-0.72 CPU-s per 1M rows) and saved 0.2 % of the file. A numeric
      // column with a handful of distinct values is the loser: a few bits a value more.
      for (ColumnDeclaration column : target.columns()) {
        if (!dictionaryCandidate(column, target)) {
          builder.withDictionaryEncoding(column.name(), false);
        }
      }
      builder.withDictionaryEncoding(SnapshotSchema.VERSION_COLUMN, false);
      ParquetWriter<RowBuffer> parquet = builder.build();
      RowBuffer row = new RowBuffer(target.name(), target.columns(), target.keyColumns());
      return new SnapshotWriter(target, kind, out, parquet, support, codecs, row, keyIndex);
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      throw e;
    }
  }

  private static boolean dictionaryCandidate(ColumnDeclaration column, TargetDeclaration target) {
    boolean text = column.type() == ColumnType.STRING || column.type() == ColumnType.BYTES;
    boolean uniqueKey =
        target.keyColumns().size() == 1 && target.column(target.keyColumns().get(0)).equals(column);
    return text && !uniqueKey;
  }

  /**
   * Writes the current row of {@code rs}: columns 1..n in {@link TargetDeclaration#columns()}
   * order. In a delta this is an upsert.
   */
  public void writeRow(ResultSet rs) throws SQLException, IOException {
    ensureOpen();
    row.loadFromResultSet(rs);
    writeLoadedRow();
  }

  /**
   * Reads what {@link #writeRow} needs to know about {@code rs} (its column types) now, rather than
   * at its first row. For loops over many rows: the per-row code then never meets a new result set,
   * a branch the JIT compiles out once it has not been taken for a while; taken again at the next
   * target's first row, it cost a recompilation of the row loader (0.38 CPU-s, JFR).
   */
  public void bind(ResultSet rs) throws SQLException {
    row.bind(rs);
  }

  /** Writes one row from Java values in declaration order; in a delta this is an upsert. */
  public void writeValues(Object[] values) throws IOException {
    ensureOpen();
    row.loadFromValues(values);
    writeLoadedRow();
  }

  /** Delta files: the row as it is now (same as {@link #writeRow}). */
  public void writeUpsert(ResultSet rs) throws SQLException, IOException {
    ensureDelta("writeUpsert");
    writeRow(rs);
  }

  /**
   * Delta files: the row with this key was deleted at {@code version}. {@code keyValues} are in
   * {@link TargetDeclaration#keyColumns()} order.
   */
  public void writeDelete(Object[] keyValues, long version) throws IOException {
    ensureDelta("writeDelete");
    ensureOpen();
    row.loadKey(keyValues, keyIndexes);
    support.nextRecord(DELETE, version);
    write();
    if (keyIndex != null) {
      keyIndex.add(row.keyHash(hasher, keyIndexes), 0, version, true);
    }
    deletes++;
  }

  private void writeLoadedRow() throws IOException {
    if (kind == SnapshotKind.DELTA) {
      if (row.nulls[versionIndex]) {
        throw new SnapshotDataException(
            "target '"
                + target.name()
                + "': version column '"
                + target.versionColumn()
                + "' is null in an upserted row");
      }
      support.nextRecord(UPSERT, row.longAt(versionIndex));
    }
    write();
    long rowHash = row.hash(hasher);
    checksum.addHash(rowHash);
    if (keyIndex != null) {
      long version = row.nulls[versionIndex] ? Long.MIN_VALUE : row.longAt(versionIndex);
      keyIndex.add(row.keyHash(hasher, keyIndexes), rowHash, version, false);
    }
    rows++;
  }

  private void write() throws IOException {
    try {
      parquet.write(row);
    } catch (IOException | RuntimeException | Error e) {
      state = State.FAILED;
      throw e;
    }
  }

  /** Whether the current row group's values bypass Parquet's record assembly. */
  boolean writesColumnsDirectly() {
    return support.writesColumnsDirectly();
  }

  /** Rows written so far (upserts in a delta). */
  public long rows() {
    return rows;
  }

  /** Deletes written so far. */
  public long deletes() {
    return deletes;
  }

  /** Nanoseconds this writer spent compressing pages so far: ZSTD's share of writing the file. */
  public long compressNanos() {
    return codecs.compressNanos();
  }

  /** Bytes handed to the output so far; grows a row group at a time. */
  public long bytesWritten() {
    return out.position();
  }

  /**
   * Writes the footer, then publishes the object ({@link ObjectOutput#close()}). On failure the
   * upload is aborted and nothing becomes visible.
   */
  public SnapshotFileStats finish() throws IOException {
    SnapshotFileStats stats = seal();
    publish();
    return stats;
  }

  /**
   * Writes the footer: the file is complete and its stats final, but the object is not published
   * yet. Then {@link #publish()} (from any one thread, e.g. while the manifest that lists the file
   * is written) or {@link #abort()}. On failure the upload is aborted.
   */
  public SnapshotFileStats seal() throws IOException {
    ensureOpen();
    state = State.FAILED;
    try {
      parquet.close();
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    state = State.SEALED;
    return new SnapshotFileStats(kind, rows, deletes, out.position(), checksum.copy());
  }

  /** Publishes a {@link #seal() sealed} file. On failure the upload is aborted. */
  public void publish() throws IOException {
    if (state != State.SEALED) {
      throw new IllegalStateException(
          "snapshot writer for '" + target.name() + "' publishes a sealed file, it is " + stateName());
    }
    state = State.FAILED;
    try {
      out.close();
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    state = State.FINISHED;
  }

  /** Discards the upload; nothing becomes visible. Safe after any failure, and more than once. */
  public void abort() {
    if (state == State.FINISHED || state == State.ABORTED) {
      return;
    }
    state = State.ABORTED;
    try {
      out.abort();
    } finally {
      // Not parquet.close(): that would flush the buffered row group and a footer into an upload
      // that is being thrown away. The buffers are heap; only the codec's native context needs
      // freeing.
      codecs.release();
    }
  }

  /** Aborts unless the file was published. */
  @Override
  public void close() {
    abort();
  }

  private void ensureOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException("snapshot writer for '" + target.name() + "' is " + stateName());
    }
  }

  private String stateName() {
    return state.name().toLowerCase(java.util.Locale.ROOT);
  }

  private void ensureDelta(String operation) {
    if (kind != SnapshotKind.DELTA) {
      throw new IllegalStateException(operation + " applies to DELTA files, this is a " + kind);
    }
  }

  private static final class Builder extends ParquetWriter.Builder<RowBuffer, Builder> {
    private final SnapshotWriteSupport support;

    Builder(OutputFile file, SnapshotWriteSupport support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    @SuppressWarnings("deprecation")
    protected WriteSupport<RowBuffer> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
      throw new UnsupportedOperationException("snapshot files are written without Hadoop");
    }

    @Override
    protected WriteSupport<RowBuffer> getWriteSupport(ParquetConfiguration conf) {
      return support;
    }
  }
}
