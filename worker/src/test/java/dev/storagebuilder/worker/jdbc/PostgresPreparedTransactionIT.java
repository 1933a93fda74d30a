package dev.storagebuilder.worker.jdbc;

import static dev.storagebuilder.worker.jdbc.LabelledItems.CLIENT;
import static dev.storagebuilder.worker.jdbc.LabelledItems.TARGET;
import static dev.storagebuilder.worker.jdbc.LabelledItems.changed;
import static dev.storagebuilder.worker.jdbc.LabelledItems.insert;
import static dev.storagebuilder.worker.jdbc.LabelledItems.nextVersion;
import static dev.storagebuilder.worker.jdbc.LabelledItems.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL source whose writers use two-phase commit (XA): a prepared transaction has given up
 * its session's virtual transaction id, yet commits later with the version it took. A server of
 * its own ({@link PostgresStandbyPair#primaryOnly}), since prepared transactions are off by default
 * ({@code max_prepared_transactions = 0}) as on the shared test server.
 */
class PostgresPreparedTransactionIT {
  private static OwnItemsServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = OwnItemsServer.primary("-c max_prepared_transactions=4", "prepared-it");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRowOfATransactionPreparedDuringAChangeReadIsReadByTheNextOne() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(server.pool(), "SELECT 'acme'", 100, Clock.systemUTC(), new ChangeReadSettings(0, Duration.ofSeconds(1)));
    write(1, "before");
    TreeMap<Long, String> synced;
    long watermark;
    try (SourceRead base = source.readAll(TARGET, CLIENT)) {
      synced = rows(base.rows());
      watermark = base.watermark();
    }

    try (Connection held = DriverManager.getConnection(server.primaryUrl());
        Statement sql = held.createStatement()) {
      // An XA writer's transaction takes version 2 and is prepared; version 3 commits meanwhile.
      held.setAutoCommit(false);
      insert(held, 2, "held", nextVersion(held));
      sql.execute("PREPARE TRANSACTION 'sb-held'");
      write(3, "meanwhile");
      try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
        synced.putAll(changed(changes));
        watermark = changes.watermark();
      }
      held.setAutoCommit(true); // COMMIT PREPARED runs outside a transaction block
      sql.execute("COMMIT PREPARED 'sb-held'");
    }
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      synced.putAll(changed(changes));
    }

    try (SourceRead full = source.readAll(TARGET, CLIENT)) {
      assertThat(synced).isEqualTo(rows(full.rows())).containsEntry(2L, "held");
    }
  }

  private static void write(long id, String label) throws SQLException {
    LabelledItems.write(server.primaryUrl(), id, label);

  }

}
