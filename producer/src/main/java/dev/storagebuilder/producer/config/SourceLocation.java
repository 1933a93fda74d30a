package dev.storagebuilder.producer.config;

import java.nio.file.Path;
import java.util.Objects;

/** Where the producer learns the source's clients and target kinds. */
public sealed interface SourceLocation {
  /** A SourceConfig JSON file ({@code storage-builder.source.config-file}). */
  record ConfigFile(Path path) implements SourceLocation {
    public ConfigFile {
      Objects.requireNonNull(path, "path");
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
            "storage-builder.source.jdbc-url must start with 'jdbc:', got '" + jdbcUrl + "'");
      }
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
