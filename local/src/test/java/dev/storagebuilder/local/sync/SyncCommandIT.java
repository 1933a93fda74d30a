package dev.storagebuilder.local.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.local.fleet.FleetJars;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * {@code ./sb sync} twice against PostgreSQL with changes between: the second run reads only the
 * changed rows, every snapshot verifies, and {@code snapshot cat} prints what {@code \copy} prints.
 */
class SyncCommandIT {
  private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private final String schema = "sbsync_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  @TempDir Path dir;

  @BeforeEach
  void createSource() throws SQLException {
    sql("CREATE SCHEMA " + schema,
        "CREATE SEQUENCE " + schema + ".sb_change_version",
        "CREATE TABLE " + schema + ".clients (client_id VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO " + schema + ".clients VALUES ('alpha'), ('beta')",
        "CREATE TABLE " + schema + ".items (client_id VARCHAR(32), id BIGINT, label TEXT, price NUMERIC(10,2),"
            + " ratio DOUBLE PRECISION, seen_at TIMESTAMP(6), version BIGINT NOT NULL, PRIMARY KEY (client_id, id))",
        "CREATE TABLE " + schema + ".items_deleted (client_id VARCHAR(32), id BIGINT, version BIGINT,"
            + " PRIMARY KEY (client_id, id, version))",
        "INSERT INTO " + schema + ".items SELECT c, g, CASE WHEN g % 7 = 0 THEN NULL WHEN g % 5 = 0 THEN ''"
            + " ELSE 'item, \"' || g || E'\"\\nline' END, g * 1.25, g / 3.0, TIMESTAMP '2026-01-01 00:00:00' + g * INTERVAL '1.5 second',"
            + " nextval('" + schema + ".sb_change_version') FROM generate_series(1, 100) g, (VALUES ('alpha'), ('beta')) v(c)");
  }

  @AfterEach
  void dropSource() throws SQLException {
    sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  @Test
  void aSecondSyncReadsOnlyTheChangedRowsAndSnapshotCatEqualsCopy() throws Exception {
    Path config = dir.resolve("source.json");
    Files.writeString(config, """
        {"jdbcUrl": "%s&currentSchema=%s", "clientsQuery": "SELECT client_id FROM clients ORDER BY client_id",
         "targets": [{"name": "items", "table": "items", "clientColumn": "client_id", "keyColumns": ["id"],
                      "versionColumn": "version",
                      "deletes": {"kind": "TOMBSTONE_TABLE", "table": "items_deleted"},
                      "columns": [{"name": "id", "type": "INT64", "nullable": false},
                                  {"name": "label", "type": "STRING", "nullable": true},
                                  {"name": "price", "type": "DECIMAL", "nullable": true, "precision": 10, "scale": 2},
                                  {"name": "ratio", "type": "DOUBLE", "nullable": true},
                                  {"name": "seen_at", "type": "TIMESTAMP", "nullable": true},
                                  {"name": "version", "type": "INT64", "nullable": false}]}]}
        """.formatted(ADMIN, schema));
    Path state = dir.resolve("state");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    SyncRunner.Result first =
        new SyncRunner(new SyncRunner.Options(config, state, SyncMode.INCREMENTAL, List.of(), null, 1), quiet,
            FleetJars.home()).run();
    assertThat(first.summary().ok()).isTrue();
    assertThat(first.summary().rows()).isEqualTo(200);

    String v = "nextval('" + schema + ".sb_change_version')";
    sql("UPDATE " + schema + ".items SET label = 'changed', version = " + v + " WHERE client_id = 'alpha' AND id IN (1, 2, 3)",
        "INSERT INTO " + schema + ".items_deleted SELECT client_id, id, " + v + " FROM " + schema
            + ".items WHERE client_id = 'alpha' AND id = 4",
        "DELETE FROM " + schema + ".items WHERE client_id = 'alpha' AND id = 4",
        "INSERT INTO " + schema + ".items VALUES ('alpha', 1000, 'new', 1.00, 1e20, NULL, " + v + ")");
    SyncRunner.Result second =
        new SyncRunner(new SyncRunner.Options(config, state, SyncMode.INCREMENTAL, List.of(), null, 1), quiet,
            FleetJars.home()).run();

    assertThat(second.summary().ok()).isTrue();
    assertThat(second.summary().rows()).isEqualTo(5); // 3 updates, 1 tombstone, 1 insert; beta: nothing
    assertThat(second.targets()).extracting(t -> t.path("clientId").asText() + "=" + t.path("rows").asLong())
        .containsExactlyInAnyOrder("alpha=5", "beta=0");

    ByteArrayOutputStream cat = new ByteArrayOutputStream();
    try (LocalState local = LocalState.open(state);
        PrintStream out = new PrintStream(cat, true, StandardCharsets.UTF_8)) {
      SnapshotPrinter.print(local.versions(), local.store(), new TargetRef("alpha", "items"), SnapshotPrinter.Format.CSV, out);
    }
    assertThat(sortedRecords(cat.toString(StandardCharsets.UTF_8))).isEqualTo(sortedRecords(copy("alpha")));
  }

  /** Lines, sorted (rows with embedded newlines split the same way on both sides). */
  private static List<String> sortedRecords(String csv) {
    return Arrays.stream(csv.split("\n")).sorted().toList();
  }

  private String copy(String client) throws SQLException, java.io.IOException {
    try (Connection connection = DriverManager.getConnection(ADMIN)) {
      StringWriter out = new StringWriter();
      new CopyManager(connection.unwrap(BaseConnection.class))
          .copyOut("COPY (SELECT id, label, price, ratio, seen_at, version FROM " + schema + ".items WHERE client_id = '"
              + client + "') TO STDOUT (FORMAT csv)", out);
      return out.toString();
    }
  }

  private static void sql(String... statements) throws SQLException {
    try (Connection connection = DriverManager.getConnection(ADMIN);
        Statement statement = connection.createStatement()) {
      for (String s : statements) {
        statement.execute(s);
      }
    }
  }
}
