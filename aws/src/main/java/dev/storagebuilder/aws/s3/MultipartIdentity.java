package dev.storagebuilder.aws.s3;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What S3 reports for an object completed from multipart parts, computed from the parts' answers,
 * so the object those parts make up can be told from any other.
 *
 * <ul>
 *   <li>The ETag: the MD5 of the parts' binary ETags concatenated in part order, then {@code -} and
 *       the number of parts. Part ETags are their MD5s on S3 without KMS or customer keys (and on
 *       S3Proxy); with SSE-KMS or SSE-C they are not, and whether the object's ETag still follows
 *       them is not documented.
 *   <li>The composite CRC32 (HeadObject with checksum mode enabled), of an upload created with
 *       CRC32: the CRC32 of the parts' four-byte checksums concatenated, in Base64, then {@code -}
 *       and the count. Independent of encryption; S3Proxy reports none.
 * </ul>
 */
final class MultipartIdentity {
  private static final HexFormat HEX = HexFormat.of();

  private MultipartIdentity() {}

  /** The ETag, unquoted, of the object {@code parts} (in part order) make up; null if any is no MD5. */
  static String eTag(List<CompletedPart> parts) {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
    for (CompletedPart part : parts) {
      String eTag = unquoted(part.eTag());
      if (eTag.length() != 32) {
        return null;
      }
      try {
        md5.update(HEX.parseHex(eTag));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return HEX.formatHex(md5.digest()) + "-" + parts.size();
  }

  /** The composite CRC32 of the object {@code parts} make up; null if any part has none. */
  static String compositeCrc32(List<CompletedPart> parts) {
    CRC32 crc = new CRC32();
    for (CompletedPart part : parts) {
      if (part.checksumCRC32() == null) {
        return null;
      }
      byte[] checksum;
      try {
        checksum = Base64.getDecoder().decode(part.checksumCRC32());
      } catch (IllegalArgumentException e) {
        return null;
      }
      if (checksum.length != 4) {
        return null;
      }
      crc.update(checksum);
    }
    int value = (int) crc.getValue();
    byte[] bigEndian = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    return Base64.getEncoder().encodeToString(bigEndian) + "-" + parts.size();
  }

  static String unquoted(String eTag) {
    if (eTag == null) {
      return "";
    }
    return eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")
        ? eTag.substring(1, eTag.length() - 1)
        : eTag;
  }
}
