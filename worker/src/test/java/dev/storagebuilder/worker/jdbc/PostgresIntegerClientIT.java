package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A source whose tenant column is an integer, as many are: the client id a message names ("42") is
 * compared with it. Real PostgreSQL at 127.0.0.1:5432 (trust), database {@code test}.
 */
class PostgresIntegerClientIT {

  private static final TargetDeclaration TARGET =
      new TargetDeclaration(
          "items",
          "items",
          "tenant_id",
          List.of("id"),
          "version",
          List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false)),
          new DeleteTracking(DeleteTracking.Kind.TOMBSTONE_TABLE, "items_deleted", null),
          0);

  private static PostgresTestSchema schema;

  @BeforeAll
  static void createSource() throws SQLException {
    schema = PostgresTestSchema.create("sbintclient_", 2);
    schema.admin(
        "CREATE TABLE items (tenant_id bigint NOT NULL, id bigint NOT NULL, version bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id));"
            + "CREATE TABLE items_deleted (tenant_id bigint NOT NULL, id bigint NOT NULL, version bigint NOT NULL);"
            + "INSERT INTO items VALUES (42, 1, 1), (42, 2, 3), (7, 1, 2);"
            + "INSERT INTO items_deleted VALUES (42, 3, 4);");
  }

  @AfterAll
  static void dropSource() throws SQLException {
    if (schema != null) {
      schema.close();
    }
  }

  private static JdbcRowSource source(boolean copy) {
    return new JdbcRowSource(schema.pool(), "SELECT DISTINCT tenant_id FROM items", 100, Clock.systemUTC(),
        new ChangeReadSettings(0, Duration.ZERO), copy);
  }

  @Test
  void aFullReadOfAnIntegerTenantColumnYieldsTheClientsRowsAndWatermark() throws SQLException {
    for (boolean copy : List.of(true, false)) {
      try (SourceRead read = source(copy).readAll(TARGET, "42")) {
        assertThat(ids(read.rows())).as("copy " + copy).containsExactlyInAnyOrder(1L, 2L);
        assertThat(read.watermark()).as("copy " + copy).isEqualTo(4);
      }
    }
  }

  @Test
  void aChangeReadOfAnIntegerTenantColumnYieldsTheClientsChangesAndDeletes() throws SQLException {
    try (ChangeRead read = source(false).readChanges(TARGET, "42", 1)) {
      assertThat(ids(read.deletes())).containsExactly(3L);
      assertThat(ids(read.upserts())).containsExactly(2L);
      assertThat(read.watermark()).isEqualTo(4);
    }
  }

  private static List<Long> ids(ResultSet rows) throws SQLException {
    List<Long> ids = new ArrayList<>();
    while (rows.next()) {
      ids.add(rows.getLong(1));
    }
    return ids;
  }
}
