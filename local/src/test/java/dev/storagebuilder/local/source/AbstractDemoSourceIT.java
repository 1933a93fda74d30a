package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.local.source.ChangeBurst.Change;
import dev.storagebuilder.local.source.ChangeBurst.Operation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The demo source's contract, run against every dialect: a load holds exactly the generator's rows,
 * versions follow the load order, and change bursts do what they report. Tests numbered below 100
 * read the shared load; the others reload before they change anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractDemoSourceIT {
  static final long SEED = 20_261_126L;
  static final double SCALE = 0.005;

  final DemoDataGenerator generator = new DemoDataGenerator(SEED, SCALE);
  TestDatabase database;
  GenerationReport report;

  abstract SqlDialect dialect();

  @BeforeAll
  void createDatabaseAndLoad() throws SQLException {
    database = TestDatabase.create(dialect());
    report = freshLoad();
    System.out.print(report.describe());
  }

  @AfterAll
  void dropDatabase() throws SQLException {
    if (database != null) {
      try (Connection connection = database.connect()) {
        generator.schema().drop(connection);
        assertThat(tableExists(connection, "raw_data")).isFalse();
      } finally {
        database.close();
      }
    }
  }

  GenerationReport freshLoad() throws SQLException {
    try (Connection connection = database.connect()) {
      generator.schema().reset(connection);
      return generator.load(connection);
    }
  }

  @Test
  @Order(1)
  void loadsThePlannedRowsForEveryClientAndTarget() throws SQLException {
    assertThat(report.clientIds()).isEqualTo(generator.clientIds());
    try (Connection connection = database.connect()) {
      assertThat(column(connection, "SELECT client_id FROM clients ORDER BY client_id"))
          .isEqualTo(generator.clientIds());
      for (TargetDeclaration target : generator.targets()) {
        Map<String, Long> expected = new LinkedHashMap<>();
        generator
            .clientIds()
            .forEach(id -> expected.put(id, generator.expectedRows(id, target.name())));
        Map<String, Long> actual = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
            ResultSet result =
                statement.executeQuery(
                    "SELECT client_id, COUNT(*) FROM "
                        + target.table()
                        + " GROUP BY client_id ORDER BY client_id")) {
          while (result.next()) {
            actual.put(result.getString(1), result.getLong(2));
          }
        }
        assertThat(actual).as(target.name()).isEqualTo(expected);
        assertThat(report.rowsPerTarget().get(target.name()))
            .isEqualTo(generator.expectedRows(target.name()));
      }
    }
  }

  @Test
  @Order(2)
  void holdsExactlyTheGeneratorsRowsInEveryColumn() throws SQLException {
    try (Connection connection = database.connect()) {
      for (TargetDeclaration target : generator.targets()) {
        List<String> expected = SourceDump.expected(generator, target, report.firstVersion());
        List<String> actual = SourceDump.table(connection, target);
        assertThat(SourceDump.firstDifference(expected, actual)).as(target.name()).isNull();
        System.out.printf("%s %s sha256 %s%n", dialect(), target.name(), SourceDump.digest(actual));
      }
    }
  }

  @Test
  @Order(3)
  void versionsAreUniqueFollowTheLoadOrderAndTheSequenceContinuesAfterThem() throws SQLException {
    assertThat(report.firstVersion()).isEqualTo(1);
    assertThat(report.lastVersion()).isEqualTo(generator.expectedTotalRows());
    try (Connection connection = database.connect()) {
      List<Long> versions = new ArrayList<>();
      for (TargetDeclaration target : generator.targets()) {
        versions.addAll(
            longs(connection, "SELECT version FROM " + target.table() + " ORDER BY client_id, id"));
      }
      assertThat(versions).hasSize((int) generator.expectedTotalRows());
      for (int i = 0; i < versions.size(); i++) {
        assertThat(versions.get(i)).as("version of row %d in load order", i).isEqualTo(i + 1L);
      }
      assertThat(DemoSchema.nextVersion(connection)).isEqualTo(report.lastVersion() + 1);
    }
  }

  @Test
  @Order(4)
  void theLargestClientHasAtLeastTenTimesTheRawDataOfTheMedianClient() throws SQLException {
    try (Connection connection = database.connect()) {
      List<Long> sizes =
          longs(
              connection,
              "SELECT COUNT(*) FROM raw_data GROUP BY client_id ORDER BY COUNT(*) DESC");
      double median =
          sizes.size() % 2 == 1
              ? sizes.get(sizes.size() / 2)
              : (sizes.get(sizes.size() / 2 - 1) + sizes.get(sizes.size() / 2)) / 2.0;
      assertThat(sizes).hasSize(generator.clientIds().size());
      assertThat(sizes.getFirst() / median).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  @Order(5)
  void creatingTheSchemaAgainChangesNothingAndLoadingRefusesTablesWithRows() throws SQLException {
    try (Connection connection = database.connect()) {
      generator.schema().create(connection);
      generator.schema().create(connection);
      assertThat(longs(connection, "SELECT COUNT(*) FROM raw_data"))
          .containsExactly(generator.expectedRows("raw_data"));
      assertThatThrownBy(() -> generator.load(connection))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already holds rows");
    }
  }

  @Test
  @Order(100)
  void aBurstMakesTheChangesItReportsWithTombstonesForDeletes() throws SQLException {
    report = freshLoad();
    Map<String, Long> before = rowCounts();
    ChangeBurst.Result result =
        new ChangeBurst(generator, 7).apply(database.dataSource(), 40, false);

    // 40 = a delete and re-insert of one key, then of the other 38: 7 deletes, 11 inserts, 20
    // updates.
    assertThat(result.total()).isEqualTo(40);
    assertThat(result.deleted()).isEqualTo(8);
    assertThat(result.inserted()).isEqualTo(12);
    assertThat(result.updated()).isEqualTo(20);
    assertThat(result.reinserted()).isEqualTo(1);
    assertThat(result.heldVersion()).isEmpty();
    assertThat(result.commitOrder()).isSorted().doesNotHaveDuplicates();
    assertThat(result.commitOrder().getFirst()).isGreaterThan(report.lastVersion());
    assertBurstIsInTheDatabase(before, result);
  }

  @Test
  @Order(101)
  void anOutOfOrderBurstCommitsItsLowestVersionAfterTheLaterOnes() throws SQLException {
    report = freshLoad();
    Map<String, Long> before = rowCounts();
    AtomicLong heldRowsVisible = new AtomicLong(-1);
    AtomicLong maxVisible = new AtomicLong(-1);
    List<Long> committedMeanwhile = new ArrayList<>();
    ChangeBurst.Result result =
        new ChangeBurst(generator, 11)
            .apply(
                database.dataSource(),
                30,
                true,
                (held, meanwhile) -> {
                  committedMeanwhile.addAll(meanwhile);
                  try (Connection observer = database.connect()) {
                    heldRowsVisible.set(countAtVersion(observer, held));
                    maxVisible.set(maxVersion(observer));
                  }
                });

    long held = result.heldVersion().orElseThrow();
    assertThat(result.total()).isEqualTo(30);
    // The held transaction took the burst's first version; every other one took a later one and
    // committed while it was open; it committed last.
    assertThat(held).isGreaterThan(report.lastVersion());
    assertThat(committedMeanwhile).isNotEmpty().allSatisfy(v -> assertThat(v).isGreaterThan(held));
    assertThat(result.commitOrder()).endsWith(held);
    assertThat(result.commitOrder().subList(0, result.commitOrder().size() - 1))
        .isEqualTo(committedMeanwhile)
        .isSorted();
    assertThat(heldRowsVisible.get())
        .as("rows of the held version visible while it was open")
        .isZero();
    assertThat(maxVisible.get()).isEqualTo(committedMeanwhile.getLast());
    long heldChanges = result.changes().stream().filter(c -> c.version() == held).count();
    assertThat(heldChanges).isPositive();
    try (Connection connection = database.connect()) {
      assertThat(countAtVersion(connection, held)).isEqualTo(heldChanges);
    }
    assertBurstIsInTheDatabase(before, result);
  }

  /**
   * Row counts move by the burst's inserts and deletes; each key's last change is what is stored.
   */
  private void assertBurstIsInTheDatabase(Map<String, Long> before, ChangeBurst.Result result)
      throws SQLException {
    Map<String, Long> expected = new HashMap<>(before);
    for (Change change : result.changes()) {
      TargetDeclaration target = generator.demoRows(change.target()).target();
      switch (change.operation()) {
        case INSERT -> expected.merge(target.table(), 1L, Long::sum);
        case DELETE -> {
          expected.merge(target.table(), -1L, Long::sum);
          expected.merge(target.deletes().table(), 1L, Long::sum);
        }
        case UPDATE -> {}
      }
    }
    assertThat(rowCounts()).isEqualTo(expected);
    Map<String, Change> lastChange = new LinkedHashMap<>();
    for (Change change : result.changes()) {
      lastChange.merge(
          change.clientId() + "/" + change.target() + "/" + change.id(),
          change,
          (a, b) -> b.version() > a.version() ? b : a);
    }
    try (Connection connection = database.connect()) {
      for (Change change : lastChange.values()) {
        List<Long> stored =
            longs(
                connection,
                "SELECT version FROM " + table(change) + " WHERE client_id = ? AND id = ?",
                change.clientId(),
                change.id());
        if (change.operation() == Operation.DELETE) {
          assertThat(stored).as("deleted %s", change).isEmpty();
        } else {
          assertThat(stored).as("stored version of %s", change).containsExactly(change.version());
        }
      }
      for (Change change : result.changes()) {
        if (change.operation() == Operation.DELETE) {
          assertThat(
                  longs(
                      connection,
                      "SELECT version FROM "
                          + tombstoneTable(change)
                          + " WHERE client_id = ? AND id = ?",
                      change.clientId(),
                      change.id()))
              .as("tombstone of %s", change)
              .contains(change.version());
        }
      }
      long reinserted =
          result.changes().stream()
              .filter(c -> c.operation() == Operation.INSERT)
              .filter(
                  c ->
                      result.changes().stream()
                          .anyMatch(
                              d ->
                                  d.operation() == Operation.DELETE
                                      && d.clientId().equals(c.clientId())
                                      && d.target().equals(c.target())
                                      && d.id() == c.id()
                                      && d.version() < c.version()))
              .count();
      assertThat(reinserted).isEqualTo(result.reinserted());
      long maxVersion = result.changes().stream().mapToLong(Change::version).max().orElseThrow();
      assertThat(DemoSchema.nextVersion(connection)).isGreaterThan(maxVersion);
    }
  }

  private String table(Change change) {
    return generator.demoRows(change.target()).target().table();
  }

  private String tombstoneTable(Change change) {
    return generator.demoRows(change.target()).target().deletes().table();
  }

  private Map<String, Long> rowCounts() throws SQLException {
    Map<String, Long> counts = new HashMap<>();
    try (Connection connection = database.connect()) {
      for (TargetDeclaration target : generator.targets()) {
        counts.put(
            target.table(), longs(connection, "SELECT COUNT(*) FROM " + target.table()).getFirst());
        counts.put(
            target.deletes().table(),
            longs(connection, "SELECT COUNT(*) FROM " + target.deletes().table()).getFirst());
      }
    }
    return counts;
  }

  private long countAtVersion(Connection connection, long version) throws SQLException {
    long count = 0;
    for (TargetDeclaration target : generator.targets()) {
      for (String table : List.of(target.table(), target.deletes().table())) {
        count +=
            longs(connection, "SELECT COUNT(*) FROM " + table + " WHERE version = ?", version)
                .getFirst();
      }
    }
    return count;
  }

  private long maxVersion(Connection connection) throws SQLException {
    long max = 0;
    for (TargetDeclaration target : generator.targets()) {
      for (String table : List.of(target.table(), target.deletes().table())) {
        max =
            Math.max(
                max,
                longs(connection, "SELECT COALESCE(MAX(version), 0) FROM " + table).getFirst());
      }
    }
    return max;
  }

  static List<Long> longs(Connection connection, String sql, Object... parameters)
      throws SQLException {
    List<Long> values = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          values.add(result.getLong(1));
        }
      }
    }
    return values;
  }

  static List<String> column(Connection connection, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        values.add(result.getString(1));
      }
    }
    return values;
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    // Unquoted names are stored lower case (PostgreSQL, MariaDB) or upper case (H2).
    for (String name : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
      try (ResultSet tables =
          connection
              .getMetaData()
              .getTables(connection.getCatalog(), connection.getSchema(), name, null)) {
        if (tables.next()) {
          return true;
        }
      }
    }
    return false;
  }
}
