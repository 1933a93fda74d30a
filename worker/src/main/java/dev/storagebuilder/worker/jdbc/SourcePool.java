package dev.storagebuilder.worker.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SqlDialect;
import java.time.Duration;
import java.util.Locale;

/**
 * The worker's connection pool over the source database.
 *
 * <p>Its connections carry a read timeout (the driver's socket timeout): how long the source may
 * stay silent while a read waits for it. A lost lease cancels a read the worker gives up, but
 * nothing gives up a read whose source stopped answering mid-result-set (a network partition, a
 * frozen host: no reset ever comes): it held its thread, connection, memory and source slot until
 * the lease's 12 h limit. Reads stream (a round trip per fetch of rows, a COPY's next bytes), so a
 * healthy read is rarely silent for long, except while the query produces its first rows (a scan
 * filtering a large table): the default is generous for that, an operator whose queries answer
 * quickly can lower it.
 */
public final class SourcePool {
  private SourcePool() {}

  /**
   * @param poolSize connections at most
   * @param connectionTimeout how long a read waits for a pooled connection
   * @param readTimeout the longest the source may stay silent while a read waits for its answer
   */
  public static HikariDataSource open(
      SourceConfig source, int poolSize, Duration connectionTimeout, Duration readTimeout) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("source");
    config.setJdbcUrl(source.jdbcUrl());
    config.setUsername(source.username());
    config.setPassword(source.password());
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setInitializationFailTimeout(-1);
    config.setExceptionOverrideClassName(EvictOnConnectionLoss.class.getName());
    SqlDialect dialect = SqlDialect.fromJdbcUrl(source.jdbcUrl());
    if (dialect == SqlDialect.POSTGRESQL) {
      // A statement run once per target would otherwise stay on the text protocol (slower decode).
      config.addDataSourceProperty("prepareThreshold", "-1");
    }
    String readTimeoutValue = socketTimeout(source.jdbcUrl(), readTimeout);
    if (readTimeoutValue != null) {
      config.addDataSourceProperty("socketTimeout", readTimeoutValue);
    }
    return new HikariDataSource(config);
  }

  /**
   * The driver's {@code socketTimeout} for {@code readTimeout}, or null: when the URL sets one itself
   * (the operator's choice stands), and on H2, which runs in process with no socket to time out.
   * PgJDBC takes whole seconds (rounded up here), MariaDB's driver (also for jdbc:mysql:) milliseconds.
   */
  static String socketTimeout(String jdbcUrl, Duration readTimeout) {
    if (jdbcUrl.toLowerCase(Locale.ROOT).contains("sockettimeout=")) {
      return null;
    }
    return switch (SqlDialect.fromJdbcUrl(jdbcUrl)) {
      case POSTGRESQL -> Long.toString(Math.max(1, (readTimeout.toMillis() + 999) / 1000));
      case MARIADB -> Long.toString(readTimeout.toMillis());
      default -> null;
    };
  }
}
