package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What lets the demo run on any database: one seed gives the same clients, rows, versions, and
 * after the same bursts the same changes and tombstones, on H2, PostgreSQL and MariaDB.
 */
class SameContentOnEveryDialectIT {
  private static final long SEED = 99L;
  private static final double SCALE = 0.002;

  @Test
  void theSameSeedGivesTheSameRowsVersionsAndTombstonesOnEveryDialect() throws SQLException {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, SCALE);
    Map<SqlDialect, Map<String, String>> digests = new EnumMap<>(SqlDialect.class);
    Map<SqlDialect, List<ChangeBurst.Result>> bursts = new EnumMap<>(SqlDialect.class);
    for (SqlDialect dialect : SqlDialect.values()) {
      try (TestDatabase database = TestDatabase.create(dialect)) {
        try (Connection connection = database.connect()) {
          generator.schema().reset(connection);
          generator.load(connection);
        }
        ChangeBurst.Result inOrder =
            new ChangeBurst(generator, 5).apply(database.dataSource(), 25, false);
        ChangeBurst.Result outOfOrder =
            new ChangeBurst(generator, 6).apply(database.dataSource(), 12, true);
        bursts.put(dialect, List.of(inOrder, outOfOrder));
        try (Connection connection = database.connect()) {
          digests.put(dialect, digests(connection, generator));
        }
      }
    }
    digests.forEach(
        (dialect, byTable) ->
            byTable.forEach(
                (table, digest) -> System.out.printf("%-10s %-30s %s%n", dialect, table, digest)));
    assertThat(digests.get(SqlDialect.POSTGRESQL)).isEqualTo(digests.get(SqlDialect.H2));
    assertThat(digests.get(SqlDialect.MARIADB)).isEqualTo(digests.get(SqlDialect.H2));
    assertThat(bursts.get(SqlDialect.POSTGRESQL)).isEqualTo(bursts.get(SqlDialect.H2));
    assertThat(bursts.get(SqlDialect.MARIADB)).isEqualTo(bursts.get(SqlDialect.H2));
  }

  private static Map<String, String> digests(Connection connection, DemoDataGenerator generator)
      throws SQLException {
    Map<String, String> digests = new LinkedHashMap<>();
    digests.put(DemoSchema.CLIENTS_TABLE, SourceDump.digest(SourceDump.clients(connection)));
    for (TargetDeclaration target : generator.targets()) {
      digests.put(target.table(), SourceDump.digest(SourceDump.table(connection, target)));
      digests.put(
          target.deletes().table(), SourceDump.digest(SourceDump.tombstones(connection, target)));
    }
    return digests;
  }
}
