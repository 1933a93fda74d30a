package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.storage.RandomAccessObject;
import dev.storagebuilder.common.target.ColumnDeclaration;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Streams the rows of one snapshot file, one row group in memory at a time, through positional
 * reads of a {@link RandomAccessObject}: the footer first, then each row group's column chunks.
 * Rows are Java values in declaration order; a delta's rows carry two more values, the operation
 * ("U" or "D") and the version (Long).
 */
final class SnapshotFileReader implements CloseableIterator<Object[]> {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private final String key;
  private final RandomAccessObject object;
  private final List<BlockMetaData> blocks;
  private final MessageType schema;
  private final MessageColumnIO columnIO;
  private final RowMaterializer materializer;
  private final ZstdCodecFactory codecs = new ZstdCodecFactory(1);
  private int nextBlock;
  private long remainingInBlock;
  private RecordReader<Object[]> records;
  private boolean closed;

  private SnapshotFileReader(
      String key, RandomAccessObject object, List<ColumnDeclaration> columns, SnapshotKind kind)
      throws IOException {
    this.key = key;
    this.object = object;
    ParquetMetadata footer = readFooter();
    this.blocks = footer.getBlocks();
    this.schema = footer.getFileMetaData().getSchema();
    this.materializer = new RowMaterializer(key, schema, columns, kind);
    this.columnIO =
        new ColumnIOFactory(footer.getFileMetaData().getCreatedBy()).getColumnIO(schema);
  }

  /** Opens {@code object} (closed with the iterator, or at once if opening fails). */
  static SnapshotFileReader open(
      String key, RandomAccessObject object, List<ColumnDeclaration> columns, SnapshotKind kind)
      throws IOException {
    try {
      return new SnapshotFileReader(key, object, columns, kind);
    } catch (IOException | RuntimeException | Error e) {
      try {
        object.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Compressed bytes of each row group, in file order. */
  List<Long> rowGroupBytes() {
    return blocks.stream().map(BlockMetaData::getCompressedSize).toList();
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    while (remainingInBlock == 0) {
      if (nextBlock >= blocks.size()) {
        return false;
      }
      loadBlock(blocks.get(nextBlock++));
    }
    return true;
  }

  @Override
  public Object[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    remainingInBlock--;
    return records.read();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      records = null;
      codecs.release();
      try {
        object.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private ParquetMetadata readFooter() throws IOException {
    long length = object.length();
    if (length < 2L * MAGIC.length + 4) {
      throw new SnapshotFormatException(
          key + ": " + length + " bytes is too short for a Parquet file");
    }
    // The trailing magic only: on S3 the leading one would cost a request per file.
    byte[] tail = readFully(length - 8, 8);
    for (int i = 0; i < MAGIC.length; i++) {
      if (tail[4 + i] != MAGIC[i]) {
        throw new SnapshotFormatException(key + ": not a Parquet file (no PAR1 magic)");
      }
    }
    int footerLength =
        (tail[0] & 0xff) | (tail[1] & 0xff) << 8 | (tail[2] & 0xff) << 16 | (tail[3] & 0xff) << 24;
    if (footerLength <= 0 || footerLength > length - 12) {
      throw new SnapshotFormatException(
          key + ": footer length " + footerLength + " does not fit the file");
    }
    byte[] footer = readFully(length - 8 - footerLength, footerLength);
    try {
      return new ParquetMetadataConverter()
          .readParquetMetadata(
              new ByteArrayInputStream(footer), ParquetMetadataConverter.NO_FILTER);
    } catch (IOException | RuntimeException e) {
      throw new SnapshotFormatException(key + ": corrupt footer: " + e.getMessage(), e);
    }
  }

  private void loadBlock(BlockMetaData block) {
    Map<ColumnPath, ColumnChunkMetaData> chunks = new HashMap<>();
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      chunks.put(chunk.getPath(), chunk);
    }
    RowGroup group = new RowGroup(block.getRowCount());
    for (ColumnDescriptor column : schema.getColumns()) {
      ColumnChunkMetaData chunk = chunks.get(ColumnPath.get(column.getPath()));
      if (chunk == null) {
        throw new SnapshotFormatException(key + ": row group lacks column " + column);
      }
      byte[] bytes;
      try {
        bytes = readFully(chunk.getStartingPos(), Math.toIntExact(chunk.getTotalSize()));
      } catch (IOException e) {
        throw new UncheckedIOException(key + ": reading column " + column + " failed", e);
      }
      group.pages.put(
          column,
          new ChunkPageReader(key, column, bytes, chunk.getCodec(), chunk.getValueCount(), codecs));
    }
    records = columnIO.getRecordReader(group, materializer);
    remainingInBlock = block.getRowCount();
  }

  private byte[] readFully(long position, int length) throws IOException {
    byte[] buffer = new byte[length];
    int done = 0;
    while (done < length) {
      int n = object.read(position + done, buffer, done, length - done);
      if (n < 0) {
        throw new SnapshotFormatException(
            key + ": unexpected end of object at " + (position + done));
      }
      done += n;
    }
    return buffer;
  }

  private static final class RowGroup implements PageReadStore {
    private final long rows;
    private final Map<ColumnDescriptor, PageReader> pages = new HashMap<>();

    RowGroup(long rows) {
      this.rows = rows;
    }

    @Override
    public PageReader getPageReader(ColumnDescriptor descriptor) {
      PageReader reader = pages.get(descriptor);
      if (reader == null) {
        throw new IllegalArgumentException("no column " + descriptor + " in this row group");
      }
      return reader;
    }

    @Override
    public long getRowCount() {
      return rows;
    }
  }
}
