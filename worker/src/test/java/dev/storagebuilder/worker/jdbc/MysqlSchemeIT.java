package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A source declared with a {@code jdbc:mysql:} URL, which the declarations, the docs and Terraform
 * accept, is read with the MariaDB driver the worker ships. Real MariaDB at 127.0.0.1:3306 (root, no
 * password), database {@code test}.
 */
class MysqlSchemeIT {
  private static final String UTC_SESSIONS = "&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";

  @Test
  void aJdbcMysqlUrlReachesTheSourceThroughThePool() throws SQLException {
    SourceConfig config =
        SourceConfigLoader.demo("jdbc:mysql://127.0.0.1:3306/test?connectTimeout=5000", "root", null);
    HikariConfig pool = new HikariConfig();
    // As the worker's pool is made from the declarations (WorkerFactory.sourceDataSource).
    pool.setJdbcUrl(config.jdbcUrl());
    pool.setUsername(config.username());
    pool.setMaximumPoolSize(1);
    pool.setPoolName("mysql-scheme-it");
    try (HikariDataSource dataSource = new HikariDataSource(pool)) {
      JdbcRowSource source = new JdbcRowSource(dataSource, "SELECT 'acme'", 100, Clock.systemUTC());

      assertThat(source.clientExists("acme")).isTrue();
    }
  }

  @Test
  void theUrlKeepsWhatItSaidAndPermitsTheMysqlSchemeOnce() {
    SourceConfig config =
        SourceConfigLoader.parse(
            "{\"jdbcUrl\": \"jdbc:mysql://db:3306/app?useSsl=true\", \"clientsQuery\": \"SELECT 1\", \"targets\": ["
                + "{\"name\": \"t\", \"table\": \"t\", \"clientColumn\": \"c\", \"keyColumns\": [\"id\"], \"versionColumn\": \"id\","
                + " \"columns\": [{\"name\": \"id\", \"type\": \"INT64\", \"nullable\": false}]}]}",
            Map.of(),
            "source.json");

    assertThat(config.jdbcUrl()).isEqualTo("jdbc:mysql://db:3306/app?useSsl=true&permitMysqlScheme" + UTC_SESSIONS);
    assertThat(config.withConnection(config.jdbcUrl(), null, null).jdbcUrl()).isEqualTo(config.jdbcUrl());
    assertThat(SourceConfigLoader.demo("jdbc:mysql://db/app", null, null).jdbcUrl())
        .isEqualTo("jdbc:mysql://db/app?permitMysqlScheme" + UTC_SESSIONS);
    assertThat(SourceConfigLoader.demo("jdbc:mariadb://db/app", null, null).jdbcUrl())
        .isEqualTo("jdbc:mariadb://db/app?" + UTC_SESSIONS.substring(1));
    assertThat(SourceConfigLoader.demo("jdbc:mariadb://db/app?connectionTimeZone=SERVER", null, null).jdbcUrl())
        .as("a zone the URL chooses is its own")
        .isEqualTo("jdbc:mariadb://db/app?connectionTimeZone=SERVER");
  }
}
