package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoSchemaTest {
  private final DemoSchema schema = DemoSchema.demo();

  @Test
  void everyStatementIsIdempotent() {
    for (SqlDialect dialect : SqlDialect.values()) {
      assertThat(schema.createStatements(dialect)).allMatch(sql -> sql.contains(" IF NOT EXISTS "));
      assertThat(schema.dropStatements(dialect)).allMatch(sql -> sql.contains(" IF EXISTS "));
    }
  }

  @Test
  void declaredTypesMapToEachDialectsFaithfulType() {
    assertThat(table(SqlDialect.POSTGRESQL, "raw_data"))
        .contains(
            "client_id VARCHAR(64) NOT NULL",
            "reading DOUBLE PRECISION NOT NULL",
            "amount DECIMAL(18,4),",
            "recorded_at TIMESTAMP(6) NOT NULL",
            "note VARCHAR(500),",
            "PRIMARY KEY (client_id, id)");
    assertThat(table(SqlDialect.POSTGRESQL, "dimensions")).contains("checksum BYTEA,");
    assertThat(table(SqlDialect.POSTGRESQL, "entities"))
        .contains("active BOOLEAN NOT NULL", "created_on DATE NOT NULL", "attributes TEXT,");

    assertThat(table(SqlDialect.MARIADB, "raw_data"))
        .contains(
            "reading DOUBLE NOT NULL",
            "recorded_at DATETIME(6) NOT NULL",
            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    assertThat(table(SqlDialect.MARIADB, "dimensions")).contains("checksum VARBINARY(64),");

    assertThat(table(SqlDialect.H2, "entities")).contains("attributes VARCHAR,");
    assertThat(table(SqlDialect.H2, "data_items"))
        .contains(
            "quantity INTEGER NOT NULL", "price DECIMAL(12,2) NOT NULL", "updated_at TIMESTAMP(6)");
  }

  @Test
  void everyTargetHasATombstoneTableAndAClientVersionIndexOnBoth() {
    for (SqlDialect dialect : SqlDialect.values()) {
      List<String> statements = schema.createStatements(dialect);
      for (var target : schema.targets()) {
        String tombstones = target.deletes().table();
        assertThat(table(dialect, tombstones))
            .contains("PRIMARY KEY (client_id, id, version)")
            .doesNotContain("name ");
        for (String table : List.of(target.table(), tombstones)) {
          assertThat(statements)
              .contains(
                  "CREATE INDEX IF NOT EXISTS "
                      + table
                      + "_client_version_idx ON "
                      + table
                      + " (client_id, version)");
        }
      }
      assertThat(statements.getFirst())
          .startsWith("CREATE SEQUENCE IF NOT EXISTS sb_change_version START WITH 1");
    }
  }

  private String table(SqlDialect dialect, String name) {
    return schema.createStatements(dialect).stream()
        .filter(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS " + name + " ("))
        .findFirst()
        .orElseThrow();
  }
}
