package dev.storagebuilder.common.ids;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Identifier rules shared by the API, the messages and the storage layout. Ids end up in S3 keys and
 * DynamoDB keys, so they are restricted to characters that are safe in both without escaping.
 */
public final class Ids {
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern TARGET_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,95}");
  private static final DateTimeFormatter RUN_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

  private Ids() {}

  public static String requireClientId(String clientId) {
    return require(CLIENT_ID, clientId, "clientId", "1-64 of A-Z a-z 0-9 _ . - starting alphanumeric");
  }

  public static String requireTargetName(String target) {
    return require(TARGET_NAME, target, "target", "1-64 of a-z 0-9 _ - starting with a letter");
  }

  public static String requireRunId(String runId) {
    return require(RUN_ID, runId, "runId", "1-96 of A-Z a-z 0-9 _ . - starting alphanumeric");
  }

  public static boolean isValidRunId(String runId) {
    return runId != null && RUN_ID.matcher(runId).matches();
  }

  /** A run id that sorts by creation time, so listings can be newest first without an index. */
  public static String newRunId(Instant now, RandomGenerator random) {
    StringBuilder id = new StringBuilder("run-").append(RUN_TIME.format(now)).append('-');
    for (int i = 0; i < 6; i++) {
      id.append(ALPHABET[random.nextInt(ALPHABET.length)]);
    }
    return id.toString();
  }

  private static String require(Pattern pattern, String value, String name, String rule) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be " + rule + ", got '" + value + "'");
    }
    return value;
  }
}
