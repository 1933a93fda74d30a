package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the multi-tenant demo source, deterministically for a seed, and bulk-loads it into
 * PostgreSQL, MariaDB or H2 with identical content on all three.
 *
 * <h2>Sizes</h2>
 *
 * For a {@code scale} s (0 &lt; s &le; {@value #MAX_SCALE}):
 *
 * <ul>
 *   <li>clients: {@code n = max(3, round(100 * s^0.3))} (s=1: 100; s=0.1: 50; s=0.02: 31; s=0.001:
 *       13)
 *   <li>the client of size rank r (0 = largest) gets, for each target t, {@code max(3,
 *       round(1,000,000 * s * ratio(t) / (r+1)^1.1))} rows: a Zipf-like skew, so the median client
 *       is ~75x smaller than the largest at s=1 and ~20x at s=0.02
 *   <li>ratio: raw_data 1, entities 0.3, data_items 0.03, formula_associations 0.006, formulas
 *       0.003, dimensions 0.001 (a target unknown to the demo: its {@code estimatedRowsPerClient} /
 *       100,000)
 * </ul>
 *
 * So at s=1 the largest client has 1,000,000 raw_data rows, 300,000 entities, 30,000 data items,
 * 6,000 formula associations, 3,000 formulas and 1,000 dimensions, and the whole source ~5.7
 * million rows; at s=0.02 (the default demo) ~95,000 rows over 31 clients. Which client id gets
 * which size rank is a seeded permutation, so id order is not size order.
 *
 * <h2>Content and versions</h2>
 *
 * Each (client, target) has its own random stream seeded from (seed, client id, target), so a
 * client's rows do not depend on the load order or on which other clients are loaded. Keys are
 * 1..rows per client. Versions follow the load order (targets in declaration order, then clients in
 * id order, then keys), starting at the change-version sequence's next value (1 on a fresh schema),
 * and the sequence is moved past the last one, so later changes get higher versions. See {@link
 * DemoRows} for the values.
 *
 * <h2>Loading</h2>
 *
 * PostgreSQL through {@code COPY FROM STDIN} (text format; the empty table is truncated in the same
 * transaction so the COPY can {@code FREEZE} its rows, then analyzed), MariaDB through multi-row
 * INSERTs, H2 through JDBC batches; one transaction per table, with the {@code (client, version)}
 * index built after the rows are in. Rows are generated as they are written: memory does not grow
 * with the size of a table. The connection must be in the default READ COMMITTED isolation (COPY
 * FREEZE refuses a transaction that holds an older snapshot).
 */
public final class DemoDataGenerator {
  public static final long DEFAULT_SEED = 42L;
  public static final double DEFAULT_SCALE = 0.02;
  public static final double MAX_SCALE = 100;
  static final long LARGEST_RAW_DATA_ROWS = 1_000_000L;
  static final int FULL_SCALE_CLIENTS = 100;
  static final double CLIENT_COUNT_EXPONENT = 0.3;
  static final double ZIPF_EXPONENT = 1.1;
  static final int MIN_ROWS = 3;
  static final int MIN_CLIENTS = 3;
  static final Map<String, Double> RATIOS =
      Map.of(
          "raw_data", 1.0,
          "entities", 0.3,
          "data_items", 0.03,
          "formula_associations", 0.006,
          "formulas", 0.003,
          "dimensions", 0.001);
  private static final Logger LOG = LoggerFactory.getLogger(DemoDataGenerator.class);

  private final long seed;
  private final double scale;
  private final List<TargetDeclaration> targets;
  private final DemoSchema schema;
  private final Map<String, DemoRows> rowsByTarget = new LinkedHashMap<>();
  private final List<ClientPlan> clients;
  private final Map<String, ClientPlan> clientsById = new HashMap<>();

  /** Version offset of the first row of (target, client) in the load order. */
  private final Map<String, Map<String, Long>> offsets = new HashMap<>();

  private final long totalRows;

  /** The built-in demo declarations, sized by {@code scale}. */
  public DemoDataGenerator(long seed, double scale) {
    this(seed, scale, SourceConfigLoader.demo("jdbc:h2:mem:unused", null, null).targets());
  }

  DemoDataGenerator(long seed, double scale, List<TargetDeclaration> targets) {
    if (!(scale > 0 && scale <= MAX_SCALE)) {
      throw new IllegalArgumentException("scale must be in (0, " + MAX_SCALE + "], got " + scale);
    }
    this.seed = seed;
    this.scale = scale;
    this.targets = List.copyOf(targets);
    this.schema = new DemoSchema(this.targets);
    for (TargetDeclaration target : this.targets) {
      rowsByTarget.put(target.name(), new DemoRows(target));
    }
    this.clients = planClients();
    for (ClientPlan client : clients) {
      clientsById.put(client.clientId(), client);
    }
    long offset = 0;
    for (TargetDeclaration target : this.targets) {
      Map<String, Long> byClient = new HashMap<>();
      for (ClientPlan client : clients) {
        byClient.put(client.clientId(), offset);
        offset += client.rows(target.name());
      }
      offsets.put(target.name(), byClient);
    }
    this.totalRows = offset;
  }

  /** {@code max(3, round(100 * scale^0.3))}. */
  public static int clientCount(double scale) {
    return Math.max(
        MIN_CLIENTS, (int) Math.round(FULL_SCALE_CLIENTS * Math.pow(scale, CLIENT_COUNT_EXPONENT)));
  }

  public long seed() {
    return seed;
  }

  public double scale() {
    return scale;
  }

  public DemoSchema schema() {
    return schema;
  }

  public List<TargetDeclaration> targets() {
    return targets;
  }

  /** Client ids in load (id) order. */
  public List<String> clientIds() {
    return clients.stream().map(ClientPlan::clientId).toList();
  }

  /** Every client's plan, in id order. */
  public List<ClientPlan> clients() {
    return clients;
  }

  /** The client of size rank 0: the one with the most rows in every target. */
  public String largestClientId() {
    return clients.stream()
        .filter(client -> client.sizeRank() == 0)
        .findFirst()
        .orElseThrow()
        .clientId();
  }

  public ClientPlan client(String clientId) {
    ClientPlan client = clientsById.get(clientId);
    if (client == null) {
      throw new IllegalArgumentException("unknown demo client '" + clientId + "'");
    }
    return client;
  }

  public long expectedRows(String clientId, String target) {
    return client(clientId).rows(target);
  }

  public long expectedRows(String target) {
    return clients.stream().mapToLong(client -> client.rows(target)).sum();
  }

  /** Rows of every target of every client (the {@code clients} table not counted). */
  public long expectedTotalRows() {
    return totalRows;
  }

  /**
   * The rows of one client's target as {@link #load} writes them (client id first, then the
   * declared columns; see {@link DemoRows}), given the load's first version. Lazily generated.
   */
  public Stream<Object[]> rows(String clientId, String target, long firstVersion) {
    ClientPlan client = client(clientId);
    DemoRows rows = demoRows(target);
    long count = client.rows(target);
    long version = firstVersion + offsets.get(target).get(clientId);
    SplittableRandom random = randomFor(clientId, target);
    Spliterator<Object[]> spliterator =
        new Spliterators.AbstractSpliterator<>(count, Spliterator.ORDERED | Spliterator.SIZED) {
          long next = 0;

          @Override
          public boolean tryAdvance(Consumer<? super Object[]> action) {
            if (next == count) {
              return false;
            }
            Object[] row = new Object[rows.width()];
            rows.fill(row, client, random, next + 1, version + next);
            next++;
            action.accept(row);
            return true;
          }
        };
    return StreamSupport.stream(spliterator, false);
  }

  /** Creates the schema if needed and loads every client and target; the tables must be empty. */
  public GenerationReport load(Connection connection) throws SQLException {
    return load(connection, Set.copyOf(clientIds()), Set.copyOf(targetNames()));
  }

  /**
   * Loads a subset: only these clients (into {@code clients} and every chosen target) and targets.
   * Their rows and versions are exactly those of a full load, so a subset is a slice of the whole.
   */
  public GenerationReport load(
      Connection connection, Set<String> clientIds, Set<String> targetNames) throws SQLException {
    for (String clientId : clientIds) {
      client(clientId);
    }
    for (String target : targetNames) {
      demoRows(target);
    }
    SqlDialect dialect = SqlDialect.of(connection);
    long start = System.nanoTime();
    schema.create(connection);
    requireEmpty(connection);
    List<ClientPlan> chosen =
        clients.stream().filter(c -> clientIds.contains(c.clientId())).toList();
    Map<String, Long> rowsPerTarget = new LinkedHashMap<>();
    Map<String, Duration> elapsedPerTarget = new LinkedHashMap<>();
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    long firstVersion;
    try {
      firstVersion = DemoSchema.nextVersion(connection, dialect);
      try (RowWriter writer =
          RowWriter.open(
              dialect,
              connection,
              DemoSchema.CLIENTS_TABLE,
              List.of("client_id", "name", "created_at"),
              List.of(ColumnType.STRING, ColumnType.STRING, ColumnType.TIMESTAMP),
              true)) {
        for (ClientPlan client : chosen) {
          writer.write(new Object[] {client.clientId(), client.name(), client.createdAt()});
        }
        writer.finish();
      }
      connection.commit();
      for (TargetDeclaration target : targets) {
        if (!targetNames.contains(target.name())) {
          continue;
        }
        long targetStart = System.nanoTime();
        DemoSchema.dropVersionIndex(connection, dialect, target);
        long written = loadTarget(connection, dialect, target, chosen, firstVersion);
        DemoSchema.createVersionIndex(connection, target);
        connection.commit();
        if (dialect == SqlDialect.POSTGRESQL) {
          // Autovacuum would analyze later; a sync right after the load needs the statistics now.
          try (Statement statement = connection.createStatement()) {
            statement.execute("ANALYZE " + target.table());
          }
          connection.commit();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - targetStart);
        rowsPerTarget.put(target.name(), written);
        elapsedPerTarget.put(target.name(), elapsed);
        LOG.debug("loaded {} rows of {} in {} ms", written, target.name(), elapsed.toMillis());
      }
      DemoSchema.restartVersionsAt(connection, firstVersion + totalRows);
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    return new GenerationReport(
        dialect,
        chosen.stream().map(ClientPlan::clientId).toList(),
        rowsPerTarget,
        firstVersion,
        firstVersion + totalRows - 1,
        Duration.ofNanos(System.nanoTime() - start),
        elapsedPerTarget);
  }

  DemoRows demoRows(String target) {
    DemoRows rows = rowsByTarget.get(target);
    if (rows == null) {
      throw new IllegalArgumentException(
          "unknown demo target '" + target + "', expected one of " + targetNames());
    }
    return rows;
  }

  /** The random stream of one (client, target); independent of every other pair. */
  SplittableRandom randomFor(String clientId, String target) {
    long mixed = mix(seed ^ mix(clientId.hashCode() * 0x9E3779B97F4A7C15L + target.hashCode()));
    return new SplittableRandom(mixed);
  }

  private List<String> targetNames() {
    return targets.stream().map(TargetDeclaration::name).toList();
  }

  private long loadTarget(
      Connection connection,
      SqlDialect dialect,
      TargetDeclaration target,
      List<ClientPlan> chosen,
      long firstVersion)
      throws SQLException {
    DemoRows rows = demoRows(target.name());
    List<String> columns = new ArrayList<>();
    List<ColumnType> types = new ArrayList<>();
    columns.add(target.clientColumn());
    types.add(ColumnType.STRING);
    for (ColumnDeclaration column : target.columns()) {
      columns.add(column.name());
      types.add(column.type());
    }
    Object[] row = new Object[rows.width()];
    try (RowWriter writer =
        RowWriter.open(dialect, connection, target.table(), columns, types, true)) {
      for (ClientPlan client : chosen) {
        long count = client.rows(target.name());
        long version = firstVersion + offsets.get(target.name()).get(client.clientId());
        SplittableRandom random = randomFor(client.clientId(), target.name());
        for (long i = 0; i < count; i++) {
          rows.fill(row, client, random, i + 1, version + i);
          writer.write(row);
        }
      }
      return writer.finish();
    }
  }

  private void requireEmpty(Connection connection) throws SQLException {
    List<String> tables = new ArrayList<>();
    tables.add(DemoSchema.CLIENTS_TABLE);
    for (TargetDeclaration target : targets) {
      tables.add(target.table());
      if (target.deletes() != null
          && target.deletes().kind() == DeleteTracking.Kind.TOMBSTONE_TABLE) {
        tables.add(target.deletes().table());
      }
    }
    try (Statement statement = connection.createStatement()) {
      for (String table : tables) {
        try (ResultSet result = statement.executeQuery("SELECT 1 FROM " + table + " LIMIT 1")) {
          if (result.next()) {
            throw new IllegalStateException(
                "demo table '"
                    + table
                    + "' already holds rows; reset the demo schema first"
                    + " (DemoSchema.reset, or DemoDataGeneratorMain without --no-reset)");
          }
        }
      }
    }
  }

  private List<ClientPlan> planClients() {
    int count = clientCount(scale);
    SplittableRandom random = new SplittableRandom(seed);
    int[] rankOf = new int[count];
    for (int i = 0; i < count; i++) {
      rankOf[i] = i;
    }
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = rankOf[i];
      rankOf[i] = rankOf[j];
      rankOf[j] = swap;
    }
    int width = Math.max(4, Integer.toString(count).length());
    List<ClientPlan> plans = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int number = i + 1;
      // Locale.ROOT: a default locale such as fa-IR formats digits that no client id may hold
      String clientId = "client-" + String.format(java.util.Locale.ROOT, "%0" + width + "d", number);
      int rank = rankOf[i];
      Map<String, Long> rows = new LinkedHashMap<>();
      for (TargetDeclaration target : targets) {
        rows.put(target.name(), rowsFor(target, rank));
      }
      plans.add(
          new ClientPlan(
              clientId,
              DemoRows.clientName(random, number),
              DemoRows.timestamp(random),
              rank,
              rows));
    }
    return Collections.unmodifiableList(plans);
  }

  private long rowsFor(TargetDeclaration target, int rank) {
    Double ratio = RATIOS.get(target.name());
    double r = ratio != null ? ratio : target.estimatedRowsPerClient() / 100_000.0;
    double rows = LARGEST_RAW_DATA_ROWS * scale * r / Math.pow(rank + 1, ZIPF_EXPONENT);
    return Math.max(MIN_ROWS, Math.round(rows));
  }

  /** SplitMix64's finalizer: spreads nearby inputs over the whole 64-bit range. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
