package dev.storagebuilder.common.target;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one mapping from flat properties onto a {@link SourceConfig}, shared by the producer, the
 * worker and the CLI: either {@code storage-builder.source.config-file} (a declarations file) or
 * {@code storage-builder.source.jdbc-url} (+ {@code username}, {@code password}) for the built-in
 * demo declarations.
 */
public final class SourceConfigProperties {
  public static final String PREFIX = "storage-builder.source.";

  private SourceConfigProperties() {}

  public static SourceConfig from(Function<String, Optional<String>> properties, Map<String, String> environment) {
    Function<String, String> get = name -> properties.apply(PREFIX + name).filter(v -> !v.isBlank()).orElse(null);
    String file = get.apply("config-file");
    String url = get.apply("jdbc-url");
    if (file != null && url != null) {
      throw new IllegalArgumentException(
          PREFIX + "config-file and " + PREFIX + "jdbc-url are exclusive: the file names its own URL");
    }
    if (file != null) {
      return SourceConfigLoader.load(Path.of(file), environment);
    }
    if (url != null) {
      return SourceConfigLoader.demo(url, get.apply("username"), get.apply("password"));
    }
    throw new IllegalArgumentException(
        "no source configured: set " + PREFIX + "config-file (a declarations file) or " + PREFIX
            + "jdbc-url (the demo schema)");
  }
}
