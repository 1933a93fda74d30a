package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

/**
 * A page that does not decompress as its header says is a corrupt snapshot ({@link
 * SnapshotFormatException}: permanent), not an I/O failure that a retry could outlive.
 */
class ChunkPageReaderTest {
  private static final ColumnDescriptor COLUMN =
      new ColumnDescriptor(
          new String[] {"id"}, Types.required(PrimitiveTypeName.INT64).named("id"), 0, 0);

  private final ZstdCodecFactory codecs = new ZstdCodecFactory(1);

  @Test
  void aStoredFileWithACorruptZstdFrameIsAFormatErrorNamingTheObject() throws IOException {
    InMemoryObjectStore store = new InMemoryObjectStore();
    List<Object[]> rows = new ArrayList<>(SnapshotFixtures.edgeRows());
    SnapshotFixtures.write(store, "base", SnapshotFixtures.TARGET, SnapshotKind.BASE, rows);
    byte[] file = store.get("base");
    // The first page of the required id column: no levels, so its payload opens with the frame's magic.
    ColumnChunkMetaData id = footer(file).getBlocks().get(0).getColumns().get(0);
    ByteArrayInputStream in =
        new ByteArrayInputStream(file, (int) id.getStartingPos(), (int) id.getTotalSize());
    PageHeader header = Util.readPageHeader(in);
    assertThat(header.getType()).isEqualTo(PageType.DATA_PAGE_V2);
    int payload = (int) id.getStartingPos() + (int) id.getTotalSize() - in.available();
    Arrays.fill(file, payload, payload + 4, (byte) 0);
    store.put("base", file, "application/octet-stream");

    assertThatThrownBy(
            () ->
                SnapshotFixtures.readAll(
                    SnapshotReader.readFile(
                        store,
                        new SnapshotObject("base", SnapshotKind.BASE, 8, file.length, 0, 0, "0000000000000000", 0),
                        SnapshotFixtures.ALL_TYPES)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("base")
        .hasMessageContaining("id");
  }

  @Test
  void aFrameHoldingFewerBytesThanThePageDeclaresIsAFormatError() throws IOException {
    byte[] values = longs(1, 2, 3);
    byte[] frame = Zstd.compress(values);

    ChunkPageReader reader = reader(page(3, 0, frame.length, values.length * 1000), frame);

    assertThatThrownBy(reader::readPage)
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("column [id]");
  }

  @Test
  void aNegativeUncompressedSizeIsAFormatError() throws IOException {
    byte[] frame = Zstd.compress(longs(1, 2, 3));

    ChunkPageReader reader = reader(page(3, 0, frame.length, -24), frame);

    assertThatThrownBy(reader::readPage).isInstanceOf(SnapshotFormatException.class);
  }

  @Test
  void levelsLongerThanThePageAreAFormatError() throws IOException {
    byte[] values = longs(1, 2, 3);
    byte[] frame = Zstd.compress(values);

    ChunkPageReader reader = reader(page(3, frame.length + 10, frame.length, values.length), frame);

    assertThatThrownBy(reader::readPage).isInstanceOf(SnapshotFormatException.class);
  }

  @Test
  void aSoundPageStillReads() throws IOException {
    byte[] values = longs(1, 2, 3);
    byte[] frame = Zstd.compress(values);

    ChunkPageReader reader = reader(page(3, 0, frame.length, values.length), frame);

    assertThat(reader.readPage().getValueCount()).isEqualTo(3);
  }

  private ChunkPageReader reader(byte[] header, byte[] payload) {
    byte[] chunk = Arrays.copyOf(header, header.length + payload.length);
    System.arraycopy(payload, 0, chunk, header.length, payload.length);
    return new ChunkPageReader("snapshots/c/t/base.parquet", COLUMN, chunk, CompressionCodecName.ZSTD, 3, codecs);
  }

  /** A version 2 data page header; {@code definitionLevels} bytes of levels precede the values. */
  private static byte[] page(int values, int definitionLevels, int compressed, int uncompressed)
      throws IOException {
    PageHeader header = new PageHeader(PageType.DATA_PAGE_V2, uncompressed, compressed);
    header.setData_page_header_v2(new DataPageHeaderV2(values, 0, values, Encoding.PLAIN, definitionLevels, 0));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writePageHeader(header, out);
    return out.toByteArray();
  }

  private static byte[] longs(long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }

  private static ParquetMetadata footer(byte[] file) throws IOException {
    int length = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return new ParquetMetadataConverter()
        .readParquetMetadata(
            new ByteArrayInputStream(file, file.length - 8 - length, length),
            ParquetMetadataConverter.NO_FILTER);
  }
}
