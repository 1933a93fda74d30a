package dev.storagebuilder.common.target;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where a process learns the source's declarations: exactly one of the settings {@link
 * SourceConfigProperties} resolves. Loading is separate from resolving so a process can check its
 * settings before it reads a file or the environment.
 */
public sealed interface SourceLocation {
  /** Reads and validates the declarations; {@code environment} supplies {@code passwordEnv}. */
  SourceConfig load(Map<String, String> environment);

  /** A SourceConfig JSON file ({@code storage-builder.source.config-file}). */
  record ConfigFile(Path path) implements SourceLocation {
    public ConfigFile {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public SourceConfig load(Map<String, String> environment) {
      return SourceConfigLoader.load(path, environment);
    }
  }

  /**
   * The same JSON as a config file, inline ({@code storage-builder.source.config-json}): a
   * deployment whose image is read-only passes its declarations in an environment variable.
   */
  record ConfigJson(String json) implements SourceLocation {
    public ConfigJson {
      Objects.requireNonNull(json, "json");
    }

    @Override
    public SourceConfig load(Map<String, String> environment) {
      return SourceConfigLoader.parse(json, environment, SourceConfigProperties.CONFIG_JSON);
    }

    /** The declarations are logged once loaded; the raw text is long and says nothing more. */
    @Override
    public String toString() {
      return "ConfigJson[" + json.length() + " chars]";
    }
  }

  /**
   * The built-in demo declarations over this database ({@code storage-builder.source.jdbc-url},
   * {@code .username}, {@code .password}).
   */
  record DemoDatabase(String jdbcUrl, String username, String password) implements SourceLocation {
    public DemoDatabase {
      if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:")) {
        throw new IllegalArgumentException(
            SourceConfigProperties.JDBC_URL + " must start with 'jdbc:', got '" + jdbcUrl + "'");
      }
    }

    @Override
    public SourceConfig load(Map<String, String> environment) {
      return SourceConfigLoader.demo(jdbcUrl, username, password);
    }

    @Override
    public String toString() {
      return "DemoDatabase[jdbcUrl="
          + jdbcUrl
          + ", username="
          + username
          + ", password="
          + (password == null ? "none" : "***")
          + "]";
    }
  }
}
