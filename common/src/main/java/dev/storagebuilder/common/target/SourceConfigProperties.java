package dev.storagebuilder.common.target;

import dev.storagebuilder.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one mapping from flat properties onto a {@link SourceLocation}, shared by the producer and
 * the worker: exactly one of {@code storage-builder.source.config-file} (a declarations file),
 * {@code storage-builder.source.config-json} (the same JSON inline) or {@code
 * storage-builder.source.jdbc-url} (+ {@code username}, {@code password}) for the built-in demo
 * declarations.
 */
public final class SourceConfigProperties {
  public static final String PREFIX = "storage-builder.source.";
  public static final String CONFIG_FILE = PREFIX + "config-file";
  public static final String CONFIG_JSON = PREFIX + "config-json";
  public static final String JDBC_URL = PREFIX + "jdbc-url";
  public static final String USERNAME = PREFIX + "username";
  public static final String PASSWORD = PREFIX + "password";

  private SourceConfigProperties() {}

  /** Resolves and loads the declarations. */
  public static SourceConfig from(
      Function<String, Optional<String>> properties, Map<String, String> environment) {
    return location(properties).load(environment);
  }

  /**
   * Which setting names the declarations; blank values count as unset. More than one is refused
   * rather than ranked: a deployment that sets the JDBC URL too would otherwise silently sync
   * either the demo declarations or its own, depending on a precedence nobody remembers.
   */
  public static SourceLocation location(Function<String, Optional<String>> properties) {
    Function<String, String> get =
        name -> properties.apply(name).map(String::trim).filter(v -> !v.isEmpty()).orElse(null);
    String file = get.apply(CONFIG_FILE);
    String json = get.apply(CONFIG_JSON);
    String url = get.apply(JDBC_URL);
    List<String> set = new ArrayList<>();
    if (file != null) {
      set.add(CONFIG_FILE);
    }
    if (json != null) {
      set.add(CONFIG_JSON);
    }
    if (url != null) {
      set.add(JDBC_URL);
    }
    if (set.size() > 1) {
      throw new IllegalArgumentException(
          String.join(" and ", set)
              + " are set: set only one of "
              + CONFIG_FILE
              + ", "
              + CONFIG_JSON
              + " or "
              + JDBC_URL
              + " (a config names its own JDBC URL)");
    }
    if (file != null) {
      return new SourceLocation.ConfigFile(Path.of(file));
    }
    if (json != null) {
      return new SourceLocation.ConfigJson(json);
    }
    if (url != null) {
      return new SourceLocation.DemoDatabase(url, get.apply(USERNAME), get.apply(PASSWORD));
    }
    throw new IllegalArgumentException(
        "no source configured: set "
            + CONFIG_FILE
            + " (a declarations file), "
            + CONFIG_JSON
            + " (the declarations inline) or "
            + JDBC_URL
            + " (the built-in demo declarations only)");
  }

  /**
   * The environment variable the declarations name for their password ({@code passwordEnv}), if
   * any: a variable the process reads although it is no setting, whatever its name. Empty when
   * there is none or the declarations do not load ({@link #from} reports that).
   */
  public static Optional<String> passwordVariable(Function<String, Optional<String>> properties) {
    try {
      String json =
          switch (location(properties)) {
            case SourceLocation.ConfigFile file -> Files.readString(file.path());
            case SourceLocation.ConfigJson inline -> inline.json();
            case SourceLocation.DemoDatabase demo -> "{}";
          };
      return Optional.ofNullable(Json.mapper().readTree(json).path("passwordEnv").textValue());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
