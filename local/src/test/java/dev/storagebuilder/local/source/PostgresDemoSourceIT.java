package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The demo source contract on PostgreSQL, and the COPY rate at legacy size. */
class PostgresDemoSourceIT extends AbstractDemoSourceIT {
  @Override
  SqlDialect dialect() {
    return SqlDialect.POSTGRESQL;
  }

  /** Prints the rate (not asserted: this machine is shared); asserts every row arrived. */
  @Test
  @Order(200)
  void copiesTheLargestClientsMillionRawDataRows() throws SQLException {
    DemoDataGenerator legacySized = new DemoDataGenerator(SEED, 1.0);
    try (Connection connection = database.connect()) {
      legacySized.schema().reset(connection);
      GenerationReport load =
          legacySized.load(connection, Set.of(legacySized.largestClientId()), Set.of("raw_data"));
      assertThat(load.rowsPerTarget()).containsEntry("raw_data", 1_000_000L);
      assertThat(longs(connection, "SELECT COUNT(*) FROM raw_data")).containsExactly(1_000_000L);
      System.out.printf(
          "PostgreSQL COPY: 1,000,000 raw_data rows in %.2f s = %,.0f rows/s%n",
          load.elapsedPerTarget().get("raw_data").toNanos() / 1e9, load.rowsPerSecond("raw_data"));
    }
  }
}
