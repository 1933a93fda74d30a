package dev.storagebuilder.producer.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may call the admin API: bearer tokens that may read and write (start runs, redrive), and
 * tokens that may only read. Several of each are allowed at once so a token can be rotated without
 * downtime. At least one read-write token is required: the API never runs open.
 *
 * @param readWriteTokens from {@code STORAGE_BUILDER_API_TOKENS} (comma-separated)
 * @param readOnlyTokens from {@code STORAGE_BUILDER_READONLY_TOKENS} (comma-separated, optional)
 */
public record ApiAccessSettings(List<String> readWriteTokens, List<String> readOnlyTokens) {
  /** Short tokens are guessable; a generated one (the demo's) is 43 characters. */
  public static final int MIN_TOKEN_LENGTH = 16;

  public ApiAccessSettings {
    readWriteTokens = List.copyOf(readWriteTokens);
    readOnlyTokens = List.copyOf(readOnlyTokens);
    if (readWriteTokens.isEmpty()) {
      throw new IllegalArgumentException(
          "set STORAGE_BUILDER_API_TOKENS ("
              + ProducerSettingsFactory.API_TOKENS
              + "): at least one API token of "
              + MIN_TOKEN_LENGTH
              + "+ characters; the admin API does not run without one");
    }
    check(ProducerSettingsFactory.API_TOKENS, readWriteTokens);
    check(ProducerSettingsFactory.READONLY_TOKENS, readOnlyTokens);
    Set<String> both = new HashSet<>(readWriteTokens);
    both.retainAll(readOnlyTokens);
    if (!both.isEmpty()) {
      throw new IllegalArgumentException(
          "a token is both in "
              + ProducerSettingsFactory.API_TOKENS
              + " and in "
              + ProducerSettingsFactory.READONLY_TOKENS
              + "; a token is either read-write or read-only");
    }
  }

  private static void check(String setting, List<String> tokens) {
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            setting
                + ": token #"
                + (i + 1)
                + " must be at least "
                + MIN_TOKEN_LENGTH
                + " characters without spaces, got "
                + token.length()
                + " characters");
      }
      // A header value arrives as bytes read one per character, so a token of other characters
      // (UTF-8 'ö' is two there) would never match what a client sends: every request a 401.
      if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException(
            setting
                + ": token #"
                + (i + 1)
                + " must be printable ASCII (an HTTP header carries nothing else), got another"
                + " character");
      }
    }
  }

  /** Never prints a token. */
  @Override
  public String toString() {
    return "ApiAccessSettings["
        + readWriteTokens.size()
        + " read-write, "
        + readOnlyTokens.size()
        + " read-only tokens]";
  }
}
