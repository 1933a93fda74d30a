package dev.storagebuilder.worker.jdbc;

import static dev.storagebuilder.worker.jdbc.LabelledItems.CLIENT;
import static dev.storagebuilder.worker.jdbc.LabelledItems.TARGET;
import static dev.storagebuilder.worker.jdbc.LabelledItems.changed;
import static dev.storagebuilder.worker.jdbc.LabelledItems.insert;
import static dev.storagebuilder.worker.jdbc.LabelledItems.nextVersion;
import static dev.storagebuilder.worker.jdbc.LabelledItems.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL source whose table a logical replication subscription writes: the rows arrive from
 * the publisher in its commit order, by an apply worker, so no transaction of the subscriber's holds
 * a version the publisher has not committed yet and the settle step has nothing to wait for. A
 * server of its own ({@link PostgresStandbyPair#primaryOnly}, {@code wal_level = logical}) with the
 * publication in a second database.
 */
class PostgresLogicalReplicaIT {
  private static final String ITEMS = "CREATE TABLE items (client_id text NOT NULL, id bigint NOT NULL,"
      + " label text NOT NULL, version bigint NOT NULL, PRIMARY KEY (client_id, id))";

  private static PostgresStandbyPair pair;
  private static HikariDataSource subscriber;

  @BeforeAll
  static void startPublisherAndSubscriber() throws Exception {
    pair = PostgresStandbyPair.primaryOnly("-c wal_level=logical -c max_replication_slots=4 -c max_wal_senders=4");
    try (Connection subscriber = DriverManager.getConnection(pair.primaryUrl());
        Statement sql = subscriber.createStatement()) {
      sql.execute("CREATE DATABASE pub");
      try (Connection publisher = DriverManager.getConnection(publisherUrl());
          Statement pub = publisher.createStatement()) {
        pub.execute("CREATE SEQUENCE versions");
        pub.execute(ITEMS);
        pub.execute("CREATE PUBLICATION items_pub FOR TABLE items");
        // Made here: a subscription in the same cluster cannot create its slot itself.
        pub.execute("SELECT pg_create_logical_replication_slot('items_sub', 'pgoutput')");
      }
      sql.execute(ITEMS);
      sql.execute("CREATE INDEX items_version ON items (client_id, version)");
      sql.execute("CREATE SUBSCRIPTION items_sub CONNECTION 'host=127.0.0.1 port=" + pair.primaryPort
          + " dbname=pub user=postgres' PUBLICATION items_pub WITH (create_slot = false, copy_data = false)");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pair.primaryUrl());
    config.setMaximumPoolSize(2);
    config.setPoolName("logical-replica-it");
    subscriber = new HikariDataSource(config);
  }

  private static String publisherUrl() {
    return pair.primaryUrl().replace("/postgres?", "/pub?");
  }

  @AfterAll
  static void stopServer() throws Exception {
    try {
      if (subscriber != null) {
        subscriber.close();
      }
    } finally {
      if (pair != null) {
        pair.close();
      }
    }
  }

  @Test
  void aRowAPublisherTransactionHeldWhileAChangeReadOfTheSubscriberRanIsReadByTheNextOne() throws Exception {
    JdbcRowSource source =
        new JdbcRowSource(subscriber, "SELECT 'acme'", 100, Clock.systemUTC(), ChangeReadSettings.defaults());
    write(1, "before");
    awaitOnSubscriber(1);
    TreeMap<Long, String> synced;
    long watermark;
    try (SourceRead base = source.readAll(TARGET, CLIENT)) {
      synced = rows(base.rows());
      watermark = base.watermark();
    }

    try (Connection held = DriverManager.getConnection(publisherUrl())) {
      // A transaction on the publisher takes version 2 and stays open while version 3 commits.
      held.setAutoCommit(false);
      insert(held, 2, "held", nextVersion(held));
      write(3, "meanwhile");
      awaitOnSubscriber(3);
      try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
        synced.putAll(changed(changes));
        watermark = changes.watermark();
      }
      held.commit();
    }
    awaitOnSubscriber(2);
    try (ChangeRead changes = source.readChanges(TARGET, CLIENT, watermark)) {
      synced.putAll(changed(changes));
    }

    try (SourceRead full = source.readAll(TARGET, CLIENT)) {
      assertThat(synced).isEqualTo(rows(full.rows())).containsEntry(2L, "held");
    }
  }

  private static void write(long id, String label) throws SQLException {
    LabelledItems.write(publisherUrl(), id, label);

  }

  /** Until the subscription has applied the row's commit. */
  private static void awaitOnSubscriber(long id) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (Connection connection = DriverManager.getConnection(pair.primaryUrl());
          PreparedStatement select = connection.prepareStatement("SELECT 1 FROM items WHERE id = ?")) {
        select.setLong(1, id);
        try (ResultSet result = select.executeQuery()) {
          return result.next();
        }
      }
    });
  }

}
