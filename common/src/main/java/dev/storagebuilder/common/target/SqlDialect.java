package dev.storagebuilder.common.target;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Locale;

/** The source databases Storage Builder reads (the worker) and loads (the demo generator). */
public enum SqlDialect {
  POSTGRESQL,
  MARIADB,
  H2;

  /**
   * The dialect of a JDBC URL ({@code jdbc:postgresql:}, {@code jdbc:mariadb:}/{@code jdbc:mysql:},
   * {@code jdbc:h2:}).
   */
  public static SqlDialect fromJdbcUrl(String url) {
    String lower = url == null ? "" : url.toLowerCase(Locale.ROOT);
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
        "jdbc url: unsupported database in '" + url + "' (PostgreSQL, MariaDB/MySQL or H2)");
  }

  /** The dialect of an open connection, from the driver's product name. */
  public static SqlDialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("postgresql")) {
      return POSTGRESQL;
    }
    if (product.contains("mariadb") || product.contains("mysql")) {
      return MARIADB;
    }
    if (product.equals("h2")) {
      return H2;
    }
    throw new IllegalArgumentException("unsupported database product '" + product + "'");
  }

  /**
   * Binds a client id to a query's parameter. On PostgreSQL as a value of no declared type, which
   * the server reads as the client column's type: bound as varchar, a tenant column of integers
   * failed every read with "operator does not exist: bigint = character varying".
   */
  public void bindClientId(PreparedStatement statement, int index, String clientId) throws SQLException {
    if (this == POSTGRESQL) {
      statement.setObject(index, clientId, Types.OTHER);
    } else {
      statement.setString(index, clientId);
    }
  }
}
