package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JdbcRowSourceTest {
  private HikariDataSource pool;

  @BeforeEach
  void createSource() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:mem:rowsource-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    config.setMaximumPoolSize(2);
    pool = new HikariDataSource(config);
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE clients (id VARCHAR(64))");
      s.execute("INSERT INTO clients VALUES ('acme'), (NULL), ('globex')");
    }
  }

  @AfterEach
  void dropSource() {
    pool.close();
  }

  @Test
  void aNullAmongTheClientIdsIsNoClientAndTheOthersStillExist() throws SQLException {
    JdbcRowSource source = new JdbcRowSource(pool, "SELECT id FROM clients", 100, Clock.systemUTC());

    assertThat(source.clientExists("acme")).isTrue();
    assertThat(source.clientExists("globex")).isTrue();
    assertThat(source.clientExists("initech")).isFalse();
  }
}
