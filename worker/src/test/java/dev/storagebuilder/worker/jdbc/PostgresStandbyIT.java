package dev.storagebuilder.worker.jdbc;

import static dev.storagebuilder.worker.jdbc.LabelledItems.CLIENT;
import static dev.storagebuilder.worker.jdbc.LabelledItems.TARGET;
import static dev.storagebuilder.worker.jdbc.LabelledItems.changed;
import static dev.storagebuilder.worker.jdbc.LabelledItems.insert;
import static dev.storagebuilder.worker.jdbc.LabelledItems.nextVersion;
import static dev.storagebuilder.worker.jdbc.LabelledItems.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL source read from a hot standby (a read replica): its {@code pg_locks} shows none of
 * the primary's transactions, so the settle step cannot wait for them. A primary and a standby of
 * their own ({@link PostgresStandbyPair}), from the machine's PostgreSQL binaries.
 */
class PostgresStandbyIT {
  private static OwnItemsServer server;

  @BeforeAll
  static void startPrimaryAndStandby() throws Exception {
    server = OwnItemsServer.withStandby("standby-it");
  }

  @AfterAll
  static void stopPrimaryAndStandby() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRowAPrimaryTransactionHeldWhileAChangeReadOfTheStandbyRanIsReadByTheNextOne() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(server.pool(), "SELECT 'acme'", 100, Clock.systemUTC(), ChangeReadSettings.defaults());
    write(1, "before");
    awaitOnStandby(1);
    TreeMap<Long, String> synced;
    long watermark;
    try (SourceRead base = source.readAll(TARGET, CLIENT)) {
      synced = rows(base.rows());
      watermark = base.watermark();
    }

    try (Connection held = DriverManager.getConnection(server.primaryUrl())) {
      // A transaction on the primary takes version 2 and stays open while version 3 commits.
      held.setAutoCommit(false);
      insert(held, 2, "held", nextVersion(held));
      write(3, "meanwhile");
      awaitOnStandby(3);
      try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
        synced.putAll(changed(changes));
        watermark = changes.watermark();
      }
      held.commit();
    }
    awaitOnStandby(2);
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

  /** Until the standby has replayed the row's commit. */
  private static void awaitOnStandby(long id) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (Connection connection = DriverManager.getConnection(server.servers().standbyUrl());
          PreparedStatement select = connection.prepareStatement("SELECT 1 FROM items WHERE id = ?")) {
        select.setLong(1, id);
        try (ResultSet result = select.executeQuery()) {
          return result.next();
        }
      }
    });
  }

}
