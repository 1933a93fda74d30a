package dev.storagebuilder.worker.incremental;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The test source: {@code items} with a tombstone table and one change-version sequence, and the
 * writes a well-behaved writer makes (a change takes a version from the sequence in its
 * transaction; a delete leaves a tombstone; a key update is a delete of the old key plus an insert).
 */
record SourceSchema(Dialect dialect) {
  enum Dialect {
    POSTGRESQL,
    MARIADB,
    H2
  }

  void create(Connection connection) throws SQLException {
    try (Statement sql = connection.createStatement()) {
      sql.execute("CREATE SEQUENCE sb_change_version START WITH 1 INCREMENT BY 1"
          + (dialect == Dialect.MARIADB ? " NOCACHE" : ""));
      sql.execute("CREATE TABLE items (client_id VARCHAR(32) NOT NULL, id BIGINT NOT NULL, label VARCHAR(200),"
          + " amount BIGINT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (client_id, id))");
      sql.execute("CREATE INDEX items_version ON items (client_id, version)");
      sql.execute("CREATE TABLE items_deleted (client_id VARCHAR(32) NOT NULL, id BIGINT NOT NULL,"
          + " version BIGINT NOT NULL, PRIMARY KEY (client_id, id, version))");
    }
  }

  long nextVersion(Connection connection) throws SQLException {
    String sql = dialect == Dialect.POSTGRESQL ? "SELECT nextval('sb_change_version')" : "SELECT NEXT VALUE FOR sb_change_version";
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void upsert(Connection connection, String client, long id, String label, long amount, long version)
      throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE items SET label = ?, amount = ?, version = ? WHERE client_id = ? AND id = ?")) {
      update.setString(1, label);
      update.setLong(2, amount);
      update.setLong(3, version);
      update.setString(4, client);
      update.setLong(5, id);
      if (update.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, client);
      insert.setLong(2, id);
      insert.setString(3, label);
      insert.setLong(4, amount);
      insert.setLong(5, version);
      insert.executeUpdate();
    }
  }

  /** Deletes the row if it exists and leaves a tombstone; returns whether a row was deleted. */
  static boolean delete(Connection connection, String client, long id, long version) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM items WHERE client_id = ? AND id = ?")) {
      delete.setString(1, client);
      delete.setLong(2, id);
      if (delete.executeUpdate() == 0) {
        return false;
      }
    }
    tombstone(connection, client, id, version);
    return true;
  }

  /** Moves a row to a new key (a key update): a tombstone for the old key, the row under the new one. */
  static boolean changeKey(Connection connection, String client, long id, long newId, long version) throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE items SET id = ?, version = ? WHERE client_id = ? AND id = ?")) {
      update.setLong(1, newId);
      update.setLong(2, version);
      update.setString(3, client);
      update.setLong(4, id);
      if (update.executeUpdate() == 0) {
        return false;
      }
    }
    tombstone(connection, client, id, version);
    return true;
  }

  /** Records a delete; a key deleted twice in one transaction (re-inserted between) has one tombstone. */
  private static void tombstone(Connection connection, String client, long id, long version) throws SQLException {
    try (PreparedStatement exists =
        connection.prepareStatement("SELECT 1 FROM items_deleted WHERE client_id = ? AND id = ? AND version = ?")) {
      exists.setString(1, client);
      exists.setLong(2, id);
      exists.setLong(3, version);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (PreparedStatement tombstone = connection.prepareStatement("INSERT INTO items_deleted VALUES (?, ?, ?)")) {
      tombstone.setString(1, client);
      tombstone.setLong(2, id);
      tombstone.setLong(3, version);
      tombstone.executeUpdate();
    }
  }
}
