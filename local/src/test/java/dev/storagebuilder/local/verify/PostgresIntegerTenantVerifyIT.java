package dev.storagebuilder.local.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.local.sync.UrlDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The verify tools read a source whose tenant column holds integers as the worker does. Real
 * PostgreSQL at 127.0.0.1:5432, database {@code test}.
 */
class PostgresIntegerTenantVerifyIT {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  /** Knows no version: the verifier then reports the source's side alone. */
  private static final VersionLedger NOTHING_COMMITTED =
      new VersionLedger() {
        @Override
        public Optional<TargetVersion> current(TargetRef target) {
          return Optional.empty();
        }

        @Override
        public boolean commit(TargetVersion next, long expectedSequence) {
          throw new UnsupportedOperationException();
        }

        @Override
        public List<TargetVersion> history(TargetRef target) {
          return List.of();
        }

        @Override
        public List<TargetVersion> all() {
          return List.of();
        }
      };

  @Test
  void theSourceSideOfAVerifyReadsAnIntegerTenantColumn() throws Exception {
    try (Connection admin = DriverManager.getConnection(URL); Statement sql = admin.createStatement()) {
      sql.execute("DROP TABLE IF EXISTS int_tenant_items");
      sql.execute("CREATE TABLE int_tenant_items (tenant BIGINT NOT NULL, id BIGINT NOT NULL, version BIGINT NOT NULL)");
      sql.execute("INSERT INTO int_tenant_items VALUES (7, 1, 1), (7, 2, 2), (7, 3, 3), (8, 1, 4)");
      try {
        SourceConfig config =
            SourceConfigLoader.parse(
                """
                {"jdbcUrl": "%s", "clientsQuery": "SELECT DISTINCT tenant FROM int_tenant_items",
                 "targets": [{"name": "items", "table": "int_tenant_items", "clientColumn": "tenant",
                   "keyColumns": ["id"], "versionColumn": "version",
                   "columns": [{"name": "id", "type": "INT64", "nullable": false},
                               {"name": "version", "type": "INT64", "nullable": false}]}]}
                """
                    .formatted(URL),
                Map.of(),
                "source.json");
        SnapshotVerifier verifier =
            new SnapshotVerifier(new UrlDataSource(config.jdbcUrl(), null, null), config, NOTHING_COMMITTED, null);

        TargetVerification result = verifier.verify(new TargetRef("7", "items"));

        assertThat(result.sourceRows()).isEqualTo(3);
        assertThat(result.problem()).isEqualTo("no version committed");
      } finally {
        sql.execute("DROP TABLE int_tenant_items");
      }
    }
  }
}
