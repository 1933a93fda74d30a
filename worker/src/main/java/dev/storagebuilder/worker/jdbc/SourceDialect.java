package dev.storagebuilder.worker.jdbc;

import java.util.Locale;

/** The source databases the worker reads, and what each needs to stream rows. */
public enum SourceDialect {
  POSTGRESQL,
  MARIADB,
  H2;

  public static SourceDialect fromJdbcUrl(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (lower.startsWith("jdbc:mariadb:") || lower.startsWith("jdbc:mysql:")) {
      return MARIADB;
    }
    if (lower.startsWith("jdbc:h2:")) {
      return H2;
    }
    throw new IllegalArgumentException(
        "source.jdbcUrl: unsupported database in '" + url + "' (PostgreSQL, MariaDB/MySQL or H2)");
  }
}
