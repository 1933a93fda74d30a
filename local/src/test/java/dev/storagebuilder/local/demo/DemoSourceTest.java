package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's H2 source in a state directory: fresh each demo, never under a running one. */
class DemoSourceTest {

  @Test
  void aSecondSourceOnADirectoryInUseIsRefusedAndTheFirstKeepsItsDatabase(@TempDir Path dir)
      throws Exception {
    try (DemoSource running = DemoSource.start(dir)) {
      try (Connection connection = running.localDataSource().getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE marker (id INT)");
        statement.execute("INSERT INTO marker VALUES (42)");
      }

      // a second ./sb demo --state-dir on the same directory: it deleted the running demo's
      // database file, generated its own data for minutes, and was refused only when its
      // embedded stack found the state directory locked
      assertThatThrownBy(() -> DemoSource.start(dir).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dir.toAbsolutePath().toString())
          .hasMessageContaining("in use by another demo");

      try (Connection viaTcp = DriverManager.getConnection(running.jdbcUrl());
          Statement statement = viaTcp.createStatement();
          ResultSet rows = statement.executeQuery("SELECT id FROM marker")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getInt(1)).isEqualTo(42);
      }
    }

    // once the first is closed the directory is reusable, with a fresh database
    try (DemoSource again = DemoSource.start(dir);
        Connection connection = again.localDataSource().getConnection();
        ResultSet tables =
            connection.getMetaData().getTables(null, null, "MARKER", new String[] {"TABLE"})) {
      assertThat(tables.next()).as("the previous demo's tables are gone").isFalse();
    }
  }
}
