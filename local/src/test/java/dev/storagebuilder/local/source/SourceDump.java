package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A deterministic text dump of demo tables (one line per row, ordered by client and key), built the
 * same way from JDBC reads and from the generator's rows, so the two, or two databases, compare
 * line by line and by digest.
 */
final class SourceDump {
  private SourceDump() {}

  /** The target's rows as stored, ordered by client and key. */
  static List<String> table(Connection connection, TargetDeclaration target) throws SQLException {
    List<String> columns = new ArrayList<>();
    List<ColumnType> types = new ArrayList<>();
    columns.add(target.clientColumn());
    types.add(ColumnType.STRING);
    for (ColumnDeclaration column : target.columns()) {
      columns.add(column.name());
      types.add(column.type());
    }
    String sql =
        "SELECT "
            + String.join(", ", columns)
            + " FROM "
            + target.table()
            + " ORDER BY "
            + target.clientColumn()
            + ", "
            + String.join(", ", target.keyColumns());
    return query(connection, sql, types);
  }

  /** The clients table, ordered by id. */
  static List<String> clients(Connection connection) throws SQLException {
    return query(
        connection,
        "SELECT client_id, name, created_at FROM clients ORDER BY client_id",
        List.of(ColumnType.STRING, ColumnType.STRING, ColumnType.TIMESTAMP));
  }

  /** The tombstones of a target, ordered by client, key and version. */
  static List<String> tombstones(Connection connection, TargetDeclaration target)
      throws SQLException {
    String key = target.keyColumns().getFirst();
    String sql =
        "SELECT "
            + target.clientColumn()
            + ", "
            + key
            + ", "
            + target.versionColumn()
            + " FROM "
            + target.deletes().table()
            + " ORDER BY "
            + target.clientColumn()
            + ", "
            + key
            + ", "
            + target.versionColumn();
    return query(connection, sql, List.of(ColumnType.STRING, ColumnType.INT64, ColumnType.INT64));
  }

  /**
   * The generator's rows of a target for every client, in the same order and form as {@link
   * #table}.
   */
  static List<String> expected(
      DemoDataGenerator generator, TargetDeclaration target, long firstVersion) {
    List<ColumnType> types = new ArrayList<>();
    types.add(ColumnType.STRING);
    target.columns().forEach(column -> types.add(column.type()));
    List<String> lines = new ArrayList<>();
    for (String clientId : generator.clientIds()) {
      generator
          .rows(clientId, target.name(), firstVersion)
          .forEach(row -> lines.add(line(types, row)));
    }
    return lines;
  }

  static String digest(List<String> lines) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String line : lines) {
        sha.update(line.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Null when equal, else a description of the first differing line. */
  static String firstDifference(List<String> expected, List<String> actual) {
    int common = Math.min(expected.size(), actual.size());
    for (int i = 0; i < common; i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        return "line " + i + ":\n expected " + expected.get(i) + "\n actual   " + actual.get(i);
      }
    }
    return expected.size() == actual.size()
        ? null
        : "expected " + expected.size() + " lines, got " + actual.size();
  }

  private static List<String> query(Connection connection, String sql, List<ColumnType> types)
      throws SQLException {
    List<String> lines = new ArrayList<>();
    Object[] row = new Object[types.size()];
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        for (int i = 0; i < types.size(); i++) {
          row[i] = read(result, i + 1, types.get(i));
        }
        lines.add(line(types, row));
      }
    }
    return lines;
  }

  /** A value as the Java type of its declared column type (TIMESTAMP as UTC LocalDateTime). */
  static Object read(ResultSet result, int index, ColumnType type) throws SQLException {
    Object value =
        switch (type) {
          case BOOLEAN -> result.getBoolean(index);
          case INT32 -> result.getInt(index);
          case INT64 -> result.getLong(index);
          case DOUBLE -> result.getDouble(index);
          case DECIMAL -> result.getBigDecimal(index);
          case STRING -> result.getString(index);
          case DATE -> result.getObject(index, LocalDate.class);
          case TIMESTAMP -> result.getObject(index, LocalDateTime.class);
          case BYTES -> result.getBytes(index);
        };
    return result.wasNull() ? null : value;
  }

  static String line(List<ColumnType> types, Object[] row) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < types.size(); i++) {
      if (i > 0) {
        line.append(" | ");
      }
      Object value = row[i];
      if (value == null) {
        line.append("NULL");
        continue;
      }
      switch (types.get(i)) {
        case STRING -> line.append('"').append(escape((String) value)).append('"');
        case DOUBLE ->
            line.append(Double.doubleToRawLongBits((Double) value)).append('~').append(value);
        case DECIMAL -> line.append(((BigDecimal) value).toPlainString());
        case BYTES -> line.append("0x").append(HexFormat.of().formatHex((byte[]) value));
        case TIMESTAMP -> line.append(((LocalDateTime) value).toString());
        default -> line.append(value);
      }
    }
    return line.toString();
  }

  private static String escape(String value) {
    return value
        .replace("\\", "\\\\")
        .replace("\"", "\\\"")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t");
  }
}
