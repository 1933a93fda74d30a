package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/**
 * A MariaDB {@code TIMESTAMP} is an instant, shown in the session's time zone; the snapshot stores
 * timestamps without a zone as UTC wall clocks. So the source's sessions must be in UTC whatever
 * the server's default zone. Real MariaDB at 127.0.0.1:3306 (root, no password), database {@code
 * test}; the server's default zone is changed for the test and restored.
 */
class MariaDbTimeZoneIT {
  private static final String URL = "jdbc:mariadb://127.0.0.1:3306/test?connectTimeout=5000";

  @Test
  void aTimestampReadsAsItsUtcWallClockWhenTheServerDefaultZoneIsAnother() throws SQLException {
    try (Connection admin = DriverManager.getConnection(URL, "root", null);
        Statement sql = admin.createStatement()) {
      sql.execute("SET time_zone = '+00:00'");
      sql.execute("CREATE OR REPLACE TABLE tz_probe (at TIMESTAMP NULL, wall DATETIME NULL)");
      sql.execute("INSERT INTO tz_probe VALUES ('2024-01-01 12:00:00', '2024-01-01 12:00:00')");
      String defaultZone = scalar(sql, "SELECT @@global.time_zone");
      sql.execute("SET GLOBAL time_zone = '+02:00'");
      try {
        SourceConfig config = SourceConfigLoader.demo(URL, "root", null);
        // As the worker's pool and the verify tools connect: with the declarations' URL.
        try (Connection source = DriverManager.getConnection(config.jdbcUrl(), "root", null);
            Statement read = source.createStatement();
            ResultSet rs = read.executeQuery("SELECT at, wall FROM tz_probe")) {
          rs.next();
          assertThat(rs.getObject(1, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2024, 1, 1, 12, 0));
          assertThat(rs.getObject(2, LocalDateTime.class))
              .as("a DATETIME has no zone to convert from")
              .isEqualTo(LocalDateTime.of(2024, 1, 1, 12, 0));
        }
      } finally {
        sql.execute("SET GLOBAL time_zone = '" + defaultZone + "'");
        sql.execute("DROP TABLE tz_probe");
      }
    }
  }

  private static String scalar(Statement sql, String query) throws SQLException {
    try (ResultSet rs = sql.executeQuery(query)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
