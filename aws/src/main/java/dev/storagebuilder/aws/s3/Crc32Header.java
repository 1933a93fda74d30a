package dev.storagebuilder.aws.s3;

import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The CRC32 of bytes already in memory, as S3's {@code x-amz-checksum-crc32} header takes it (the
 * checksum's four bytes, big-endian, in Base64).
 *
 * <p>Handed to the SDK with a request, it goes in a header, and S3 still checks the body against
 * it. Left to the SDK, the same CRC32 travels as a trailer, and the body as {@code aws-chunked}
 * frames the SDK builds by copying every chunk; with the header, a request over HTTPS (production)
 * sends the body as it is, unsigned (TLS protects it in transit). A plain-HTTP endpoint (the
 * embedded stack) still gets a body signed chunk by chunk.
 */
final class Crc32Header {
  private Crc32Header() {}

  static String of(byte[] bytes, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, offset, length);
    return encode(crc);
  }

  /** The first {@code length} bytes of {@code chunks}, each {@link MultipartObjectOutput#CHUNK} long but the last. */
  static String of(List<byte[]> chunks, int length) {
    CRC32 crc = new CRC32();
    for (int i = 0, left = length; left > 0; i++) {
      int n = Math.min(left, MultipartObjectOutput.CHUNK);
      crc.update(chunks.get(i), 0, n);
      left -= n;
    }
    return encode(crc);
  }

  private static String encode(CRC32 crc) {
    int value = (int) crc.getValue();
    byte[] bigEndian = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    return Base64.getEncoder().encodeToString(bigEndian);
  }
}
