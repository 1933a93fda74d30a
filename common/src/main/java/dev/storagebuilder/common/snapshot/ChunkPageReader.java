package dev.storagebuilder.common.snapshot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The pages of one column chunk, held compressed in memory and decompressed one page at a time.
 * Parquet's ParquetFileReader would do this, but it cannot be configured without Hadoop on the
 * class path (its read options look up codecs and filters through Hadoop classes).
 */
final class ChunkPageReader implements PageReader {
  private final String object;
  private final ColumnDescriptor column;
  private final byte[] chunk;
  private final Cursor in;
  private final CompressionCodecName codec;
  private final ZstdCodecFactory codecs;
  private final long totalValues;
  private final DictionaryPage dictionary;
  private PageHeader pending;

  ChunkPageReader(
      String object,
      ColumnDescriptor column,
      byte[] chunk,
      CompressionCodecName codec,
      long totalValues,
      ZstdCodecFactory codecs) {
    this.object = object;
    this.column = column;
    this.chunk = chunk;
    this.in = new Cursor(chunk);
    this.codec = codec;
    this.codecs = codecs;
    this.totalValues = totalValues;
    if (codec != CompressionCodecName.ZSTD && codec != CompressionCodecName.UNCOMPRESSED) {
      throw new SnapshotFormatException(
          object
              + ": column "
              + column
              + " uses codec "
              + codec
              + "; this reader reads ZSTD and UNCOMPRESSED");
    }
    PageHeader first = in.available() > 0 ? header() : null;
    if (first != null && first.getType() == org.apache.parquet.format.PageType.DICTIONARY_PAGE) {
      DictionaryPageHeader dictionaryHeader = first.getDictionary_page_header();
      byte[] bytes = payload(first.getCompressed_page_size(), first.getUncompressed_page_size());
      dictionary =
          new DictionaryPage(
              BytesInput.from(bytes),
              first.getUncompressed_page_size(),
              dictionaryHeader.getNum_values(),
              encoding(dictionaryHeader.getEncoding()));
    } else {
      dictionary = null;
      pending = first;
    }
  }

  @Override
  public DictionaryPage readDictionaryPage() {
    return dictionary;
  }

  @Override
  public long getTotalValueCount() {
    return totalValues;
  }

  @Override
  public DataPage readPage() {
    while (true) {
      PageHeader header = pending;
      pending = null;
      if (header == null) {
        if (in.available() <= 0) {
          return null;
        }
        header = header();
      }
      switch (header.getType()) {
        case DATA_PAGE -> {
          DataPageHeader data = header.getData_page_header();
          byte[] bytes =
              payload(header.getCompressed_page_size(), header.getUncompressed_page_size());
          return new DataPageV1(
              BytesInput.from(bytes),
              data.getNum_values(),
              header.getUncompressed_page_size(),
              Statistics.createStats(column.getPrimitiveType()),
              encoding(data.getRepetition_level_encoding()),
              encoding(data.getDefinition_level_encoding()),
              encoding(data.getEncoding()));
        }
        case DATA_PAGE_V2 -> {
          return pageV2(header);
        }
        case DICTIONARY_PAGE ->
            throw new SnapshotFormatException(
                object + ": column " + column + " has a second dictionary page");
        default -> in.skipExactly(header.getCompressed_page_size());
      }
    }
  }

  private DataPage pageV2(PageHeader header) {
    DataPageHeaderV2 data = header.getData_page_header_v2();
    long levels =
        (long) data.getRepetition_levels_byte_length() + data.getDefinition_levels_byte_length();
    if (data.getRepetition_levels_byte_length() < 0
        || data.getDefinition_levels_byte_length() < 0
        || levels > header.getCompressed_page_size()
        || levels > header.getUncompressed_page_size()) {
      throw corrupt("levels of " + levels + " bytes do not fit a page of " + header.getCompressed_page_size()
          + " bytes (" + header.getUncompressed_page_size() + " uncompressed)");
    }
    int start = in.position();
    in.skipExactly(header.getCompressed_page_size());
    BytesInput repetition = BytesInput.from(chunk, start, data.getRepetition_levels_byte_length());
    BytesInput definition =
        BytesInput.from(
            chunk,
            start + data.getRepetition_levels_byte_length(),
            data.getDefinition_levels_byte_length());
    int valuesStart = start + (int) levels;
    int compressedData = header.getCompressed_page_size() - (int) levels;
    int uncompressedData = header.getUncompressed_page_size() - (int) levels;
    boolean compressed = !data.isSetIs_compressed() || data.isIs_compressed();
    BytesInput values =
        compressed
            ? BytesInput.from(decompress(valuesStart, compressedData, uncompressedData))
            : BytesInput.from(chunk, valuesStart, compressedData);
    return DataPageV2.uncompressed(
        data.getNum_rows(),
        data.getNum_nulls(),
        data.getNum_values(),
        repetition,
        definition,
        encoding(data.getEncoding()),
        values,
        Statistics.createStats(column.getPrimitiveType()));
  }

  private PageHeader header() {
    try {
      return Util.readPageHeader(in);
    } catch (IOException e) {
      throw new SnapshotFormatException(object + ": corrupt page header in column " + column, e);
    }
  }

  private byte[] payload(int compressedSize, int uncompressedSize) {
    int start = in.position();
    in.skipExactly(compressedSize);
    return decompress(start, compressedSize, uncompressedSize);
  }

  /**
   * A corrupt page is a {@link SnapshotFormatException}: the object is unreadable for good, so the
   * failure is permanent rather than an I/O error a retry could outlive.
   */
  private byte[] decompress(int start, int compressedSize, int uncompressedSize) {
    if (uncompressedSize < 0) {
      throw corrupt("a page declares " + uncompressedSize + " uncompressed bytes");
    }
    if (codec == CompressionCodecName.UNCOMPRESSED) {
      byte[] copy = new byte[compressedSize];
      System.arraycopy(chunk, start, copy, 0, compressedSize);
      return copy;
    }
    try {
      return codecs.decompress(chunk, start, compressedSize, uncompressedSize);
    } catch (IOException e) {
      throw new SnapshotFormatException(object + ": column " + column + ": " + e.getMessage(), e);
    }
  }

  private SnapshotFormatException corrupt(String problem) {
    return new SnapshotFormatException(object + ": column " + column + ": " + problem);
  }

  private static Encoding encoding(org.apache.parquet.format.Encoding encoding) {
    return Encoding.valueOf(encoding.name());
  }

  /** A ByteArrayInputStream that tells its position. */
  private final class Cursor extends ByteArrayInputStream {
    Cursor(byte[] bytes) {
      super(bytes);
    }

    int position() {
      return pos;
    }

    void skipExactly(int length) {
      if (length < 0 || length > count - pos) {
        throw new SnapshotFormatException(object + ": column " + column + " is truncated");
      }
      pos += length;
    }
  }
}
