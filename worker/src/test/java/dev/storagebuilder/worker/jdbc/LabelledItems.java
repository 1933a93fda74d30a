package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.TreeMap;

/**
 * The source the settle and overlap ITs write and read: {@code items (client_id, id, label,
 * version)} of one client, versions from a sequence {@code versions}; rows read as id -> label.
 */
final class LabelledItems {
  static final String CLIENT = "acme";
  static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "items",
          "items",
          "client_id",
          List.of("id"),
          "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("label", ColumnType.STRING, false),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null,
          0);

  private LabelledItems() {}

  /** The sequence, the table and its version index on a PostgreSQL database. */
  static void createOnPostgres(String url) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE SEQUENCE versions");
      sql.execute("CREATE TABLE items (client_id text NOT NULL, id bigint NOT NULL, label text NOT NULL,"
          + " version bigint NOT NULL, PRIMARY KEY (client_id, id))");
      sql.execute("CREATE INDEX items_version ON items (client_id, version)");
    }
  }

  /** A small pool the row source reads through. */
  static HikariDataSource pool(String url, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(2);
    config.setPoolName(name);
    return new HikariDataSource(config);
  }

  /** Inserts a row with the next version in a transaction of its own. */
  static void write(String url, long id, String label) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url)) {
      connection.setAutoCommit(false);
      insert(connection, id, label, nextVersion(connection));
      connection.commit();
    }
  }

  static long nextVersion(Connection connection) throws SQLException {
    String next =
        connection.getMetaData().getDatabaseProductName().contains("PostgreSQL")
            ? "SELECT nextval('versions')"
            : "SELECT NEXT VALUE FOR versions";
    try (Statement sql = connection.createStatement();
        ResultSet result = sql.executeQuery(next)) {
      result.next();
      return result.getLong(1);
    }
  }

  static void insert(Connection connection, long id, String label, long version) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO items VALUES ('acme', ?, ?, ?)")) {
      insert.setLong(1, id);
      insert.setString(2, label);
      insert.setLong(3, version);
      insert.executeUpdate();
    }
  }

  /** The rows a change read upserts; the target tracks no deletes. */
  static TreeMap<Long, String> changed(ChangeRead changes) throws SQLException {
    assertThat(changes.deletes().next()).isFalse();
    return rows(changes.upserts());
  }

  static TreeMap<Long, String> rows(SourceRead read) throws SQLException {
    try (read) {
      return rows(read.rows());
    }
  }

  static TreeMap<Long, String> rows(ResultSet rows) throws SQLException {
    TreeMap<Long, String> read = new TreeMap<>();
    while (rows.next()) {
      read.put(rows.getLong(1), rows.getString(2));
    }
    return read;
  }
}
