package dev.storagebuilder.bench;

import dev.storagebuilder.local.source.DemoSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One private PostgreSQL schema per scenario, dropped at the end. Rows for the large single-target
 * figures come from {@code INSERT ... SELECT generate_series} (10M rows in about a minute), not the
 * demo generator.
 */
final class BenchDatabase {
  private final String baseUrl;
  private final String schema;

  BenchDatabase(String baseUrl, String schema) {
    this.baseUrl = baseUrl;
    this.schema = schema;
  }

  String schema() {
    return schema;
  }

  /** The URL the fleet and the probes use: the private schema first on the search path. */
  String jdbcUrl() {
    return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  void recreate() throws SQLException {
    try (Connection c = DriverManager.getConnection(baseUrl);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      s.execute("CREATE SCHEMA " + schema);
    }
  }

  void drop() {
    try (Connection c = DriverManager.getConnection(baseUrl);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      System.err.println("bench: could not drop schema " + schema + ": " + e.getMessage());
    }
  }

  /** The demo tables (all six targets, clients, the change-version sequence), empty. */
  void createDemoTables() throws SQLException {
    try (Connection c = connect()) {
      DemoSchema.demo().create(c);
    }
  }

  void insertClients(String prefix, int count) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO clients (client_id, name, created_at) SELECT '" + prefix
              + "' || lpad(g::text, 6, '0'), 'Client ' || g, timestamp '2024-01-01' FROM generate_series(1, " + count
              + ") g");
    }
  }

  void insertClient(String clientId) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO clients (client_id, name, created_at) VALUES ('" + clientId + "', '" + clientId
          + "', timestamp '2024-01-01')");
    }
  }

  /**
   * {@code rows} raw_data rows of one client, versions 1..rows; afterwards the change-version
   * sequence is past every version, so later changes sort after them.
   */
  void insertRawData(String clientId, long rows) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO raw_data (client_id, id, entity_id, metric, reading, amount, recorded_at, note, version)"
              + " SELECT '" + clientId + "', g, g % 50000, 'metric_' || (g % 37), (g % 100000) / 7.0,"
              + " round(((g % 1000000) / 100.0)::numeric, 2), timestamp '2024-01-01' + g * interval '1 second',"
              + " CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || substr(md5(g::text), 1, 20) END, g"
              + " FROM generate_series(1, " + rows + ") g");
      s.execute("ANALYZE raw_data");
      s.execute("SELECT setval('" + DemoSchema.CHANGE_VERSION_SEQUENCE + "', greatest(" + (rows + 1)
          + ", (SELECT last_value FROM " + DemoSchema.CHANGE_VERSION_SEQUENCE + ")))");
    }
  }

  /** Changes {@code count} rows of one client's raw_data, each taking a new change version. */
  void touchRawData(String clientId, int count, long stride) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "UPDATE raw_data SET reading = reading + 1, version = nextval('" + DemoSchema.CHANGE_VERSION_SEQUENCE
              + "') WHERE client_id = '" + clientId + "' AND id IN (SELECT g * " + stride
              + " FROM generate_series(1, " + count + ") g)");
    }
  }
}
