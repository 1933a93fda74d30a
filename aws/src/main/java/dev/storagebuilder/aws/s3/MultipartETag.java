package dev.storagebuilder.aws.s3;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * The ETag S3 gives an object completed from multipart parts: the MD5 of the parts' binary ETags
 * (each the MD5 of its part, or whatever S3 answered for it under SSE-KMS) concatenated in part
 * order, then {@code -} and the number of parts. Computed from the ETags the parts were answered
 * with, it names the object those parts make up and no other.
 */
final class MultipartETag {
  private static final HexFormat HEX = HexFormat.of();

  private MultipartETag() {}

  /** The ETag, unquoted, of the object {@code parts} (in part order) make up; null if any is no MD5. */
  static String of(List<CompletedPart> parts) {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
    for (CompletedPart part : parts) {
      String eTag = part.eTag() == null ? "" : unquoted(part.eTag());
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

  static String unquoted(String eTag) {
    if (eTag == null) {
      return "";
    }
    return eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")
        ? eTag.substring(1, eTag.length() - 1)
        : eTag;
  }
}
