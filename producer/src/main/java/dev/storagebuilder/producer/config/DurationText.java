package dev.storagebuilder.producer.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in properties: {@code 500ms}, {@code 5s}, {@code 2m}, or ISO-8601
 * {@code PT5S}.
 */
final class DurationText {
  private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

  private DurationText() {}

  static Duration parse(String setting, String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    Matcher simple = SIMPLE.matcher(value);
    if (simple.matches()) {
      long amount = Long.parseLong(simple.group(1));
      return switch (simple.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
    try {
      return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          setting + " must be a duration such as 500ms, 5s, 2m or PT5S, got '" + text + "'");
    }
  }

  static String format(Duration duration) {
    // Whole seconds first: an ISO value such as PT9999999999999H has more milliseconds than a
    // long holds, and toMillis() threw instead of the message naming the setting.
    if (duration.getNano() == 0) {
      return duration.getSeconds() + "s";
    }
    try {
      return duration.toMillis() + "ms";
    } catch (ArithmeticException e) {
      return duration.toString();
    }
  }
}
