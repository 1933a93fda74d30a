package dev.storagebuilder.common.config;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process that refuses its configuration tells its operator: one line naming the setting as
 * it can be written (property and environment variable), and a distinct exit code. A refusal used
 * to surface as Micronaut's 40-60 line bean-instantiation stack trace, the setting's name buried in
 * it without its {@code storage-builder.} prefix or its environment form.
 */
public final class ConfigurationRefusal {
  /** The exit code of a process that refused its configuration: sysexits' {@code EX_CONFIG}. */
  public static final int EXIT_CODE = 78;

  /**
   * A setting's name in a message, with or without its prefix: {@code worker.fetch-size}, {@code
   * storage-builder.enqueue.concurrency}, also as a range's end ({@code 1..worker.x-window}), not
   * part of a longer name or a path.
   */
  private static final Pattern SETTING =
      Pattern.compile(
          "(?<![A-Za-z0-9/_-])(?<![A-Za-z0-9_-]\\.)(storage-builder\\.)?((?:aws|source|worker|enqueue|dlq)\\.[a-z0-9-]+)(?![A-Za-z0-9_-])");

  private ConfigurationRefusal() {}

  /**
   * The refusal behind a failed start: the message of the outermost {@link SettingRefusedException}
   * in the cause chain, on one line, every setting it names spelled in full with its environment
   * variable. Empty when the failure is not a refusal (a bug, an unreachable dependency, an {@code
   * IllegalArgumentException} from a library or our wiring): that keeps its stack trace.
   */
  public static Optional<String> message(Throwable failure) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
      if (cause instanceof SettingRefusedException && cause.getMessage() != null) {
        return Optional.of(spellSettingsOut(cause.getMessage().replaceAll("\\s*\\R\\s*", " ").strip()));
      }
    }
    return Optional.empty();
  }

  /**
   * Reads settings from their properties: an {@link IllegalArgumentException} their records'
   * constructors throw is a refusal (as a {@link SettingRefusedException}); anything else, and any
   * {@code IllegalArgumentException} not thrown while reading settings, is reported as the failure
   * it is. The settings' records stay plain Java and keep throwing the JDK's exception.
   */
  public static <T> T readingSettings(Supplier<T> read) {
    try {
      return read.get();
    } catch (SettingRefusedException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new SettingRefusedException(e.getMessage(), e);
    }
  }

  static String spellSettingsOut(String message) {
    Matcher matcher = SETTING.matcher(message);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String property = KnownSettings.PREFIX + matcher.group(2);
      String replacement = KnownSettings.ALL.contains(property) && !message.startsWith(" (STORAGE_BUILDER_", matcher.end())
          ? KnownSettings.describe(property)
          : matcher.group();
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
