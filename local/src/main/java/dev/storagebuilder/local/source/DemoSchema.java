package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The demo source's DDL, derived from the target declarations, for PostgreSQL, MariaDB and H2.
 *
 * <p>Per target: the table ({@code client_id VARCHAR(64)} then the declared columns, primary key
 * {@code (client_id, keys...)}), an index on {@code (client_id, version)} because incremental reads
 * filter by it, and, for {@code TOMBSTONE_TABLE} delete tracking, the tombstone table {@code
 * (client_id, keys..., version)} keyed by all three (a key may be deleted, re-inserted and deleted
 * again) with the same index. Plus the {@code clients} table and one change-version sequence for
 * the whole database, {@value #CHANGE_VERSION_SEQUENCE}, so versions are comparable across tables.
 *
 * <p>Everything lives in the connection's default schema (PostgreSQL: {@code currentSchema=} in the
 * URL; MariaDB: the URL's database). Creation is idempotent ({@code IF NOT EXISTS}).
 *
 * <p>Types: BOOLEAN→BOOLEAN (TINYINT(1) on MariaDB); INT32→INTEGER; INT64→BIGINT; DOUBLE→DOUBLE
 * PRECISION (DOUBLE on MariaDB); DECIMAL→DECIMAL(p,s); STRING→VARCHAR(n) when the demo knows the
 * longest value it generates, else TEXT (H2: VARCHAR without length, which is not a LOB);
 * DATE→DATE; TIMESTAMP→TIMESTAMP(6) without time zone, values are UTC wall-clock (MariaDB:
 * DATETIME(6), because its TIMESTAMP ends in 2038 and converts through the session time zone);
 * BYTES→BYTEA on PostgreSQL, VARBINARY(n) or BLOB elsewhere. MariaDB tables are utf8mb4 with binary
 * collation, so strings keep every code point (emoji) and compare exactly as on the other two.
 */
public final class DemoSchema {
  public static final String CHANGE_VERSION_SEQUENCE = "sb_change_version";
  public static final String CLIENTS_TABLE = "clients";
  static final int CLIENT_ID_LENGTH = 64;
  static final int CLIENT_NAME_LENGTH = 200;

  /**
   * Longest value (in UTF-16 chars, which bounds code points) the generator writes per string
   * column name; columns not listed are unbounded (TEXT). Binary columns likewise, in bytes.
   */
  private static final Map<String, Integer> MAX_LENGTHS =
      Map.of(
          "metric", 64,
          "kind", 64,
          "name", 200,
          "label", 200,
          "note", 500,
          "expression", 1000,
          "checksum", 64);

  private final List<TargetDeclaration> targets;

  public DemoSchema(List<TargetDeclaration> targets) {
    if (targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException("demo schema needs at least one target declaration");
    }
    this.targets = List.copyOf(targets);
  }

  /** The schema of the built-in demo declarations ({@code demo-source.json}). */
  public static DemoSchema demo() {
    return new DemoSchema(SourceConfigLoader.demo("jdbc:h2:mem:unused", null, null).targets());
  }

  public List<TargetDeclaration> targets() {
    return targets;
  }

  /** Creates whatever is missing; running it again changes nothing. */
  public void create(Connection connection) throws SQLException {
    execute(connection, createStatements(SqlDialect.of(connection)));
  }

  /** Drops the demo tables and the change-version sequence, if they exist. */
  public void drop(Connection connection) throws SQLException {
    execute(connection, dropStatements(SqlDialect.of(connection)));
  }

  /** Drop, then create: empty tables and a sequence starting at 1. */
  public void reset(Connection connection) throws SQLException {
    SqlDialect dialect = SqlDialect.of(connection);
    List<String> statements = new ArrayList<>(dropStatements(dialect));
    statements.addAll(createStatements(dialect));
    execute(connection, statements);
  }

  public List<String> createStatements(SqlDialect dialect) {
    List<String> statements = new ArrayList<>();
    statements.add(createSequence(dialect));
    statements.add(
        "CREATE TABLE IF NOT EXISTS "
            + CLIENTS_TABLE
            + " (client_id "
            + varchar(CLIENT_ID_LENGTH)
            + " NOT NULL, name "
            + varchar(CLIENT_NAME_LENGTH)
            + " NOT NULL, created_at "
            + timestamp(dialect)
            + " NOT NULL, PRIMARY KEY (client_id))"
            + tableOptions(dialect));
    for (TargetDeclaration target : targets) {
      List<String> columns = new ArrayList<>();
      columns.add(target.clientColumn() + " " + varchar(CLIENT_ID_LENGTH) + " NOT NULL");
      for (ColumnDeclaration column : target.columns()) {
        columns.add(
            column.name()
                + " "
                + sqlType(dialect, column)
                + (column.nullable() ? "" : " NOT NULL"));
      }
      List<String> primaryKey = new ArrayList<>();
      primaryKey.add(target.clientColumn());
      primaryKey.addAll(target.keyColumns());
      statements.add(createTable(dialect, target.table(), columns, primaryKey));
      statements.add(
          createVersionIndex(target.table(), target.clientColumn(), target.versionColumn()));
      DeleteTracking deletes = target.deletes();
      if (deletes != null && deletes.kind() == DeleteTracking.Kind.TOMBSTONE_TABLE) {
        List<String> tombstoneColumns = new ArrayList<>();
        tombstoneColumns.add(target.clientColumn() + " " + varchar(CLIENT_ID_LENGTH) + " NOT NULL");
        for (String key : target.keyColumns()) {
          tombstoneColumns.add(key + " " + sqlType(dialect, target.column(key)) + " NOT NULL");
        }
        tombstoneColumns.add(
            target.versionColumn()
                + " "
                + sqlType(dialect, target.column(target.versionColumn()))
                + " NOT NULL");
        List<String> tombstoneKey = new ArrayList<>(primaryKey);
        tombstoneKey.add(target.versionColumn());
        statements.add(createTable(dialect, deletes.table(), tombstoneColumns, tombstoneKey));
        statements.add(
            createVersionIndex(deletes.table(), target.clientColumn(), target.versionColumn()));
      }
    }
    return statements;
  }

  public List<String> dropStatements(SqlDialect dialect) {
    List<String> statements = new ArrayList<>();
    for (TargetDeclaration target : targets.reversed()) {
      DeleteTracking deletes = target.deletes();
      if (deletes != null && deletes.kind() == DeleteTracking.Kind.TOMBSTONE_TABLE) {
        statements.add("DROP TABLE IF EXISTS " + deletes.table());
      }
      statements.add("DROP TABLE IF EXISTS " + target.table());
    }
    statements.add("DROP TABLE IF EXISTS " + CLIENTS_TABLE);
    statements.add("DROP SEQUENCE IF EXISTS " + CHANGE_VERSION_SEQUENCE);
    return statements;
  }

  /**
   * Takes the next change version from {@value #CHANGE_VERSION_SEQUENCE}. The sequence is not
   * transactional: a version taken by a transaction that rolls back is a gap, and versions become
   * visible in commit order, not in the order they were taken.
   */
  public static long nextVersion(Connection connection) throws SQLException {
    return nextVersion(connection, SqlDialect.of(connection));
  }

  public static long nextVersion(Connection connection, SqlDialect dialect) throws SQLException {
    String sql =
        switch (dialect) {
          case POSTGRESQL -> "SELECT nextval('" + CHANGE_VERSION_SEQUENCE + "')";
          case MARIADB, H2 -> "SELECT NEXT VALUE FOR " + CHANGE_VERSION_SEQUENCE;
        };
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    }
  }

  /** Makes {@code next} the value the next {@link #nextVersion} returns. */
  static void restartVersionsAt(Connection connection, long next) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ALTER SEQUENCE " + CHANGE_VERSION_SEQUENCE + " RESTART WITH " + next);
    }
  }

  /**
   * Drops a target's {@code (client, version)} index so a bulk load into the empty table maintains
   * only the primary key; {@link #createVersionIndex} builds it afterwards in one sorted pass (on
   * PostgreSQL this took about a quarter off the server time of a 1M-row COPY).
   */
  static void dropVersionIndex(Connection connection, SqlDialect dialect, TargetDeclaration target)
      throws SQLException {
    String index = versionIndexName(target.table());
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          dialect == SqlDialect.MARIADB
              ? "DROP INDEX IF EXISTS " + index + " ON " + target.table()
              : "DROP INDEX IF EXISTS " + index);
    }
  }

  static void createVersionIndex(Connection connection, TargetDeclaration target)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          createVersionIndex(target.table(), target.clientColumn(), target.versionColumn()));
    }
  }

  /** The SQL type of a declared column in a dialect. */
  static String sqlType(SqlDialect dialect, ColumnDeclaration column) {
    OptionalInt length = maxLength(column.name());
    return switch (column.type()) {
      case BOOLEAN -> "BOOLEAN";
      case INT32 -> "INTEGER";
      case INT64 -> "BIGINT";
      case DOUBLE -> dialect == SqlDialect.MARIADB ? "DOUBLE" : "DOUBLE PRECISION";
      case DECIMAL -> "DECIMAL(" + column.precision() + "," + column.scale() + ")";
      case STRING -> length.isPresent() ? varchar(length.getAsInt()) : text(dialect);
      case DATE -> "DATE";
      case TIMESTAMP -> timestamp(dialect);
      case BYTES ->
          switch (dialect) {
            case POSTGRESQL -> "BYTEA";
            case MARIADB -> length.isPresent() ? "VARBINARY(" + length.getAsInt() + ")" : "BLOB";
            case H2 -> length.isPresent() ? "VARBINARY(" + length.getAsInt() + ")" : "VARBINARY";
          };
    };
  }

  /** The longest value the generator may write into a column of this name, if bounded. */
  static OptionalInt maxLength(String columnName) {
    Integer length = MAX_LENGTHS.get(columnName);
    return length == null ? OptionalInt.empty() : OptionalInt.of(length);
  }

  private static String createSequence(SqlDialect dialect) {
    // No per-session cache: values are handed out in the order they are asked for, across sessions.
    String noCache =
        switch (dialect) {
          case POSTGRESQL -> " CACHE 1";
          case MARIADB -> " NOCACHE";
          case H2 -> " NO CACHE";
        };
    return "CREATE SEQUENCE IF NOT EXISTS "
        + CHANGE_VERSION_SEQUENCE
        + " START WITH 1 INCREMENT BY 1"
        + noCache;
  }

  private static String createTable(
      SqlDialect dialect, String table, List<String> columns, List<String> primaryKey) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " ("
        + String.join(", ", columns)
        + ", PRIMARY KEY ("
        + String.join(", ", primaryKey)
        + "))"
        + tableOptions(dialect);
  }

  private static String createVersionIndex(
      String table, String clientColumn, String versionColumn) {
    return "CREATE INDEX IF NOT EXISTS "
        + versionIndexName(table)
        + " ON "
        + table
        + " ("
        + clientColumn
        + ", "
        + versionColumn
        + ")";
  }

  /** PostgreSQL index names are per schema, so the table's name is part of it. */
  private static String versionIndexName(String table) {
    return table + "_client_version_idx";
  }

  private static String tableOptions(SqlDialect dialect) {
    return dialect == SqlDialect.MARIADB
        ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        : "";
  }

  private static String varchar(int length) {
    return "VARCHAR(" + length + ")";
  }

  private static String text(SqlDialect dialect) {
    return dialect == SqlDialect.H2 ? "VARCHAR" : "TEXT";
  }

  private static String timestamp(SqlDialect dialect) {
    return dialect == SqlDialect.MARIADB ? "DATETIME(6)" : "TIMESTAMP(6)";
  }

  private static void execute(Connection connection, List<String> statements) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(true);
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }
}
