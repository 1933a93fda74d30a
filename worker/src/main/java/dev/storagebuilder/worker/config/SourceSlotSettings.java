package dev.storagebuilder.worker.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The fleet-wide cap on targets reading the source at once.
 *
 * @param cap targets of the whole fleet reading the source at once; 0 means no cap (no DynamoDB
 *     calls at all). Every worker reading the source must be configured with the same cap.
 * @param sourceId names the source's slots ({@code storage-builder.source.id}): workers with the
 *     same id share one cap. Defaults to the JDBC URL without credentials or parameters.
 * @param postponeDelay mean delay before a target that found no free slot is offered again (jittered)
 */
public record SourceSlotSettings(int cap, String sourceId, Duration postponeDelay) {
  public static final int NO_CAP = 0;
  public static final int MAX_CAP = 1_000;
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);
  /** SQS's longest message delay. */
  static final Duration MAX_WAIT = Duration.ofMinutes(15);

  /** {@code user:password@} in a URL's authority. */
  private static final Pattern USER_INFO = Pattern.compile("//[^/@?;]*@");

  public SourceSlotSettings {
    if (cap < 0 || cap > MAX_CAP) {
      throw new IllegalArgumentException(
          "worker.source-concurrency-cap must be 0 (no cap).." + MAX_CAP + ", got " + cap);
    }
    if (sourceId == null || sourceId.isBlank() || sourceId.length() > 200) {
      throw new IllegalArgumentException("source.id must be 1..200 characters, got '" + sourceId + "'");
    }
    if (postponeDelay == null || postponeDelay.compareTo(Duration.ofSeconds(1)) < 0 || postponeDelay.compareTo(MAX_WAIT) > 0) {
      throw new IllegalArgumentException(
          "worker.source-slot-wait must be 1s..15m (SQS delays are whole seconds, at most 15 minutes), got " + postponeDelay);
    }
  }

  public boolean capped() {
    return cap != NO_CAP;
  }

  /** Targets of one worker that may read at once: its concurrency, or the cap when lower. */
  public int readersPerWorker(int concurrency) {
    return capped() ? Math.min(concurrency, cap) : concurrency;
  }

  /**
   * The default source id: the JDBC URL without {@code jdbc:}, credentials, parameters or
   * properties, lower-cased: {@code jdbc:postgresql://u:p@DB.internal:5432/app?ssl=true} becomes
   * {@code postgresql://db.internal:5432/app}. Workers that spell the host differently get
   * different ids, hence {@code storage-builder.source.id} for production.
   */
  public static String sourceIdOf(String jdbcUrl) {
    String id = jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring("jdbc:".length()) : jdbcUrl;
    id = USER_INFO.matcher(id).replaceFirst("//");
    int end = id.length();
    for (char separator : new char[] {'?', ';'}) {
      int at = id.indexOf(separator);
      if (at >= 0) {
        end = Math.min(end, at);
      }
    }
    return id.substring(0, end).toLowerCase(Locale.ROOT);
  }
}
