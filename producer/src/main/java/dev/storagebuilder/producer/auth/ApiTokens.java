package dev.storagebuilder.producer.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The bearer tokens the admin API accepts, kept only as SHA-256 digests. A presented token is
 * hashed and compared with every stored digest in constant time ({@link MessageDigest#isEqual}),
 * and the loop never stops early, so neither the content nor the position of a match leaks
 * through timing. Several tokens of each kind may be valid at once, for rotation.
 */
public final class ApiTokens {
  /** What a request may do. */
  public enum Access {
    NONE,
    READ_ONLY,
    READ_WRITE
  }

  private final List<byte[]> readWrite;
  private final List<byte[]> readOnly;

  public ApiTokens(List<String> readWriteTokens, List<String> readOnlyTokens) {
    this.readWrite = readWriteTokens.stream().map(ApiTokens::sha256).toList();
    this.readOnly = readOnlyTokens.stream().map(ApiTokens::sha256).toList();
  }

  /** The access an {@code Authorization} header value grants; null or malformed grants none. */
  public Access accessFor(String authorizationHeader) {
    String token = bearerToken(authorizationHeader);
    if (token == null) {
      return Access.NONE;
    }
    byte[] presented = sha256(token);
    boolean writer = matchesAny(presented, readWrite);
    boolean reader = matchesAny(presented, readOnly);
    if (writer) {
      return Access.READ_WRITE;
    }
    return reader ? Access.READ_ONLY : Access.NONE;
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), or null. */
  static String bearerToken(String header) {
    if (header == null) {
      return null;
    }
    String value = header.trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = value.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static boolean matchesAny(byte[] presented, List<byte[]> digests) {
    boolean match = false;
    for (byte[] digest : digests) {
      match |= MessageDigest.isEqual(presented, digest);
    }
    return match;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
