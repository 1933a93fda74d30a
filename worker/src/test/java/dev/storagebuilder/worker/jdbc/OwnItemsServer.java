package dev.storagebuilder.worker.jdbc;

import com.zaxxer.hikari.HikariDataSource;

/**
 * An IT's own PostgreSQL server, or primary and hot standby ({@link PostgresStandbyPair}), with
 * {@link LabelledItems}' table on the primary and the pool its row source reads through. For the
 * settle cases the shared test server cannot show: a standby, prepared transactions, background
 * workers.
 */
record OwnItemsServer(PostgresStandbyPair servers, HikariDataSource pool) implements AutoCloseable {
  /** A primary alone, started with {@code settings} ({@code -c name=value ...}); the pool reads it. */
  static OwnItemsServer primary(String settings, String poolName) throws Exception {
    return start(PostgresStandbyPair.primaryOnly(settings), false, poolName);
  }

  /** A primary and a hot standby; the pool reads the standby. */
  static OwnItemsServer withStandby(String poolName) throws Exception {
    return start(PostgresStandbyPair.start(), true, poolName);
  }

  private static OwnItemsServer start(PostgresStandbyPair servers, boolean readStandby, String poolName)
      throws Exception {
    try {
      LabelledItems.createOnPostgres(servers.primaryUrl());
      return new OwnItemsServer(
          servers, LabelledItems.pool(readStandby ? servers.standbyUrl() : servers.primaryUrl(), poolName));
    } catch (Exception | Error e) {
      servers.close();
      throw e;
    }
  }

  /** Where the application writes. */
  String primaryUrl() {
    return servers.primaryUrl();
  }

  @Override
  public void close() throws Exception {
    try {
      pool.close();
    } finally {
      servers.close();
    }
  }
}
