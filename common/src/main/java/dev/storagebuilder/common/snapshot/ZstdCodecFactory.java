package dev.storagebuilder.common.snapshot;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Parquet page compression over zstd-jni, without Hadoop: Parquet's own CodecFactory goes through
 * Hadoop's codec classes. A page is one standard zstd frame, as every Parquet reader expects.
 *
 * <p>One factory per file, used by one thread: Parquet asks for a compressor per column, but they
 * compress one page at a time and copy the result before the next page, so they share one native
 * context and one output buffer (a context per column would cost ~1 MB of native memory each).
 */
final class ZstdCodecFactory implements CompressionCodecFactory {
  /** What zstd's getFrameContentSize answers for bytes that are not a frame header. */
  private static final long ZSTD_CONTENTSIZE_ERROR = -2;

  private final int level;
  private ZstdCompressCtx compressContext;
  private ZstdDecompressCtx decompressContext;
  private final Staging staging = new Staging();
  private byte[] compressed = new byte[0];
  private long compressNanos;

  ZstdCodecFactory(int level) {
    this.level = level;
  }

  /** Nanoseconds spent compressing pages so far (a page is compressed on the writing thread). */
  long compressNanos() {
    return compressNanos;
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codecName) {
    return switch (codecName) {
      case ZSTD -> new ZstdCompressor();
      case UNCOMPRESSED -> new PassThroughCompressor();
      default ->
          throw new IllegalArgumentException(
              "snapshot files are written with ZSTD, not " + codecName);
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codecName) {
    return switch (codecName) {
      case ZSTD -> new ZstdDecompressor();
      case UNCOMPRESSED -> new PassThroughDecompressor();
      default ->
          throw new SnapshotFormatException(
              "page codec "
                  + codecName
                  + " is not supported by this reader (ZSTD or UNCOMPRESSED)");
    };
  }

  @Override
  public void release() {
    if (compressContext != null) {
      compressContext.close();
      compressContext = null;
    }
    if (decompressContext != null) {
      decompressContext.close();
      decompressContext = null;
    }
  }

  private ZstdCompressCtx compressContext() {
    if (compressContext == null) {
      compressContext = new ZstdCompressCtx().setLevel(level);
    }
    return compressContext;
  }

  ZstdDecompressCtx decompressContext() {
    if (decompressContext == null) {
      decompressContext = new ZstdDecompressCtx();
    }
    return decompressContext;
  }

  /** Decompresses one zstd frame of exactly {@code size} bytes into a new array. */
  byte[] decompress(byte[] source, int offset, int length, int size) throws IOException {
    if (size < 0 || length < 0) {
      throw new IOException("corrupt ZSTD page: " + length + " bytes declared to hold " + size);
    }
    // A frame states its content size: check it before allocating what a corrupt header declares.
    long content = Zstd.getFrameContentSize(source, offset, length);
    if (content == ZSTD_CONTENTSIZE_ERROR || (content >= 0 && content != size)) {
      throw new IOException(
          "corrupt ZSTD page: "
              + (content < 0 ? "no ZSTD frame" : "its frame holds " + content + " bytes")
              + ", the page declares "
              + size);
    }
    byte[] out = new byte[size];
    int written;
    try {
      written = decompressContext().decompressByteArray(out, 0, size, source, offset, length);
    } catch (ZstdException e) {
      throw new IOException("corrupt ZSTD page: " + e.getMessage(), e);
    }
    if (written != size) {
      throw new IOException("corrupt ZSTD page: " + written + " bytes, expected " + size);
    }
    return out;
  }

  private final class ZstdCompressor implements BytesInputCompressor {
    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      long started = System.nanoTime();
      try {
        return compressPage(bytes);
      } finally {
        compressNanos += System.nanoTime() - started;
      }
    }

    private BytesInput compressPage(BytesInput bytes) throws IOException {
      staging.reset();
      bytes.writeAllTo(staging);
      int bound = (int) Zstd.compressBound(staging.size());
      if (compressed.length < bound) {
        compressed = new byte[Math.max(bound, compressed.length * 2)];
      }
      int length;
      try {
        length =
            compressContext()
                .compressByteArray(
                    compressed, 0, compressed.length, staging.array(), 0, staging.size());
      } catch (ZstdException e) {
        throw new IOException("ZSTD compression failed: " + e.getMessage(), e);
      }
      return BytesInput.from(compressed, 0, length);
    }

    @Override
    public CompressionCodecName getCodecName() {
      return CompressionCodecName.ZSTD;
    }

    @Override
    public void release() {}
  }

  private final class ZstdDecompressor implements BytesInputDecompressor {
    @Override
    public BytesInput decompress(BytesInput bytes, int decompressedSize) throws IOException {
      byte[] source = bytes.toByteArray();
      return BytesInput.from(
          ZstdCodecFactory.this.decompress(source, 0, source.length, decompressedSize));
    }

    @Override
    public void decompress(
        ByteBuffer input, int compressedSize, ByteBuffer output, int decompressedSize)
        throws IOException {
      byte[] source = new byte[compressedSize];
      input.get(source);
      output.put(ZstdCodecFactory.this.decompress(source, 0, compressedSize, decompressedSize));
    }

    @Override
    public void release() {}
  }

  private static final class PassThroughCompressor implements BytesInputCompressor {
    @Override
    public BytesInput compress(BytesInput bytes) {
      return bytes;
    }

    @Override
    public CompressionCodecName getCodecName() {
      return CompressionCodecName.UNCOMPRESSED;
    }

    @Override
    public void release() {}
  }

  private static final class PassThroughDecompressor implements BytesInputDecompressor {
    @Override
    public BytesInput decompress(BytesInput bytes, int decompressedSize) {
      return bytes;
    }

    @Override
    public void decompress(
        ByteBuffer input, int compressedSize, ByteBuffer output, int decompressedSize) {
      ByteBuffer slice = input.slice(input.position(), compressedSize);
      output.put(slice);
      input.position(input.position() + compressedSize);
    }

    @Override
    public void release() {}
  }

  /** A ByteArrayOutputStream that lends its buffer instead of copying it. */
  private static final class Staging extends ByteArrayOutputStream {
    Staging() {
      super(64 * 1024);
    }

    byte[] array() {
      return buf;
    }
  }
}
