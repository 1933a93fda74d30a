package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.DeleteTracking;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import javax.sql.DataSource;

/**
 * A deterministic burst of changes to a loaded demo source: what the incremental scenario applies
 * between two syncs, and what concurrency tests use to produce awkward histories.
 *
 * <p>For {@code n} changes: one key is deleted and later re-inserted (two changes, when n &ge; 2);
 * of the rest, a fifth are deletes, three tenths inserts of new keys, the remainder updates. Each
 * change hits a (client, target) drawn uniformly from the scope. Changes are grouped into
 * transactions of 1-4; <b>a transaction takes one version from the change-version sequence and
 * gives it to every row it writes</b> (so rows share versions, as they do under a commit-version
 * scheme). An update rewrites every non-key column and the version; a delete removes the row and
 * inserts {@code (client, key, version)} into the target's tombstone table; the re-insert of a
 * deleted key comes in a later transaction with a higher version, so the key has both a tombstone
 * and a newer live row.
 *
 * <p>With {@code outOfOrder}, the first transaction takes its version (the lowest of the burst),
 * writes, and stays open on a second connection while all the others take later versions and
 * commit; then the {@link HeldOpenWindow} runs (a sync there sees later versions but not the held
 * one), and only then does the first transaction commit. The held transaction's keys are kept apart
 * from every other transaction's, so nothing blocks.
 *
 * <p>Given the same database state, seed and arguments, a burst makes the same changes (on every
 * dialect). New keys are allocated above the largest key (live or tombstoned) seen when the burst
 * first touches a (client, target), so bursts running at the same time must work on disjoint scopes
 * ({@link #within}). Immutable; {@code apply} takes its own connections and leaves them in
 * auto-commit.
 */
public final class ChangeBurst {
  static final int MAX_TRANSACTION_SIZE = 4;
  private static final int LOCK_TIMEOUT_SECONDS = 10;
  private static final int RANDOM_PICKS = 32;

  public enum Operation {
    INSERT,
    UPDATE,
    DELETE
  }

  /** One row change as committed. */
  public record Change(
      String clientId, String target, long id, Operation operation, long version) {}

  /**
   * What a burst did. {@code inserted + updated + deleted} equals the changes asked for.
   *
   * @param inserted rows inserted, re-inserted keys included
   * @param updated rows updated
   * @param deleted rows deleted (each with a tombstone), including keys later re-inserted
   * @param reinserted keys deleted and then inserted again within this burst
   * @param changes every change, in the order it was made (the held transaction's first)
   * @param commitOrder each transaction's version, in commit order
   * @param heldVersion the version of the transaction committed out of order, if any
   */
  public record Result(
      int inserted,
      int updated,
      int deleted,
      int reinserted,
      List<Change> changes,
      List<Long> commitOrder,
      OptionalLong heldVersion) {
    public Result {
      changes = List.copyOf(changes);
      commitOrder = List.copyOf(commitOrder);
    }

    public int total() {
      return inserted + updated + deleted;
    }
  }

  /** Runs while the out-of-order transaction is still open and every later one has committed. */
  @FunctionalInterface
  public interface HeldOpenWindow {
    void whileHeld(long heldVersion, List<Long> committedMeanwhile) throws Exception;
  }

  private enum Step {
    INSERT,
    UPDATE,
    DELETE,
    DELETE_FOR_REINSERT,
    REINSERT
  }

  private record PlannedChange(Step step, String clientId, String target) {}

  private final DemoDataGenerator generator;
  private final long seed;
  private final List<String> clientIds;
  private final List<String> targets;

  public ChangeBurst(DemoDataGenerator generator, long seed) {
    this(
        generator,
        seed,
        generator.clientIds(),
        generator.targets().stream().map(TargetDeclaration::name).toList());
  }

  private ChangeBurst(
      DemoDataGenerator generator, long seed, List<String> clientIds, List<String> targets) {
    this.generator = generator;
    this.seed = seed;
    this.clientIds = List.copyOf(clientIds);
    this.targets = List.copyOf(targets);
    for (String clientId : this.clientIds) {
      generator.client(clientId);
    }
    for (String target : this.targets) {
      TargetDeclaration declaration = generator.demoRows(target).target();
      DeleteTracking deletes = declaration.deletes();
      if (deletes == null || deletes.kind() != DeleteTracking.Kind.TOMBSTONE_TABLE) {
        throw new IllegalArgumentException(
            "target '" + target + "': a change burst needs TOMBSTONE_TABLE delete tracking");
      }
    }
    if (this.clientIds.isEmpty() || this.targets.isEmpty()) {
      throw new IllegalArgumentException("a change burst needs at least one client and one target");
    }
  }

  /** The same burst restricted to some clients and targets (e.g. one large target). */
  public ChangeBurst within(List<String> clientIds, List<String> targets) {
    return new ChangeBurst(generator, seed, clientIds, targets);
  }

  public Result apply(DataSource dataSource, int changes, boolean outOfOrder) throws SQLException {
    return apply(dataSource, changes, outOfOrder, (held, committed) -> {});
  }

  public Result apply(DataSource dataSource, int changes, boolean outOfOrder, HeldOpenWindow window)
      throws SQLException {
    if (changes < 1) {
      throw new IllegalArgumentException("changes must be >= 1, got " + changes);
    }
    if (outOfOrder && changes < 3) {
      throw new IllegalArgumentException(
          "an out-of-order burst needs >= 3 changes (a held transaction and later ones), got "
              + changes);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<List<PlannedChange>> transactions = plan(random, changes, outOfOrder);
    try (Connection main = dataSource.getConnection();
        Connection held = outOfOrder ? dataSource.getConnection() : null) {
      Run run = new Run(SqlDialect.of(main), random);
      run.prepare(main);
      if (held != null) {
        run.prepare(held);
      }
      try {
        Result result = run.execute(main, held, transactions, window);
        run.restore(main);
        if (held != null) {
          run.restore(held);
        }
        return result;
      } catch (SQLException | RuntimeException e) {
        for (Connection connection : new Connection[] {held, main}) {
          if (connection != null) {
            try {
              connection.rollback();
              run.restore(connection);
            } catch (SQLException suppressed) {
              e.addSuppressed(suppressed);
            }
          }
        }
        throw e;
      }
    }
  }

  /** Splits {@code changes} into transactions; with a reinsert pair, its two halves are apart. */
  private List<List<PlannedChange>> plan(SplittableRandom random, int changes, boolean outOfOrder) {
    boolean pair = changes >= 2;
    int regular = changes - (pair ? 2 : 0);
    int deletes = regular / 5;
    int inserts = regular * 3 / 10;
    int updates = regular - deletes - inserts;
    List<Step> steps = new ArrayList<>(regular);
    steps.addAll(Collections.nCopies(deletes, Step.DELETE));
    steps.addAll(Collections.nCopies(inserts, Step.INSERT));
    steps.addAll(Collections.nCopies(updates, Step.UPDATE));
    Collections.shuffle(steps, random);
    List<List<PlannedChange>> transactions = new ArrayList<>();
    int next = 0;
    while (next < steps.size()) {
      int size = Math.min(random.nextInt(1, MAX_TRANSACTION_SIZE + 1), steps.size() - next);
      List<PlannedChange> transaction = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        transaction.add(pick(random, steps.get(next++)));
      }
      transactions.add(transaction);
    }
    if (pair) {
      PlannedChange delete = pick(random, Step.DELETE_FOR_REINSERT);
      // Never in the held transaction: the re-insert would wait for its lock on our own thread.
      int first = outOfOrder ? 1 : 0;
      int position = first + random.nextInt(Math.max(1, transactions.size() - first + 1));
      transactions.add(Math.min(position, transactions.size()), List.of(delete));
      transactions.add(
          List.of(new PlannedChange(Step.REINSERT, delete.clientId(), delete.target())));
    }
    return transactions;
  }

  private PlannedChange pick(SplittableRandom random, Step step) {
    return new PlannedChange(
        step,
        clientIds.get(random.nextInt(clientIds.size())),
        targets.get(random.nextInt(targets.size())));
  }

  /** The state of one application: connections' dialect, key bookkeeping, counts. */
  private final class Run {
    private final SqlDialect dialect;
    private final SplittableRandom random;
    private final Map<String, KeyRange> ranges = new HashMap<>();
    private final List<Change> made = new ArrayList<>();
    private final List<Long> commitOrder = new ArrayList<>();
    private long reinsertKey = -1;
    private int inserted;
    private int updated;
    private int deleted;
    private int reinserted;

    Run(SqlDialect dialect, SplittableRandom random) {
      this.dialect = dialect;
      this.random = random;
    }

    Result execute(
        Connection main,
        Connection held,
        List<List<PlannedChange>> transactions,
        HeldOpenWindow window)
        throws SQLException {
      long heldVersion = -1;
      List<Long> meanwhile = new ArrayList<>();
      for (int t = 0; t < transactions.size(); t++) {
        boolean holding = held != null && t == 0;
        Connection connection = holding ? held : main;
        long version = DemoSchema.nextVersion(connection, dialect);
        for (PlannedChange change : transactions.get(t)) {
          apply(connection, change, version, holding);
        }
        if (holding) {
          heldVersion = version;
        } else {
          connection.commit();
          commitOrder.add(version);
          if (held != null) {
            meanwhile.add(version);
          }
        }
      }
      if (held != null) {
        try {
          window.whileHeld(heldVersion, List.copyOf(meanwhile));
        } catch (SQLException | RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("the held-open window failed", e);
        }
        held.commit();
        commitOrder.add(heldVersion);
      }
      return new Result(
          inserted,
          updated,
          deleted,
          reinserted,
          made,
          commitOrder,
          held == null ? OptionalLong.empty() : OptionalLong.of(heldVersion));
    }

    private void apply(Connection connection, PlannedChange change, long version, boolean holding)
        throws SQLException {
      TargetDeclaration target = generator.demoRows(change.target()).target();
      KeyRange range = range(connection, target, change.clientId());
      switch (change.step()) {
        case INSERT ->
            insert(connection, target, change.clientId(), range.nextId++, version, holding, range);
        case UPDATE -> {
          long id = pickExisting(connection, target, change.clientId(), range);
          if (id < 0) {
            insert(connection, target, change.clientId(), range.nextId++, version, holding, range);
          } else {
            update(connection, target, change.clientId(), id, version, holding, range);
          }
        }
        case DELETE, DELETE_FOR_REINSERT -> {
          long id = pickExisting(connection, target, change.clientId(), range);
          if (id < 0) {
            insert(connection, target, change.clientId(), range.nextId++, version, holding, range);
          } else {
            delete(connection, target, change.clientId(), id, version, holding, range);
            if (change.step() == Step.DELETE_FOR_REINSERT) {
              reinsertKey = id;
            }
          }
        }
        case REINSERT -> {
          if (reinsertKey < 0) {
            insert(connection, target, change.clientId(), range.nextId++, version, holding, range);
          } else {
            insert(connection, target, change.clientId(), reinsertKey, version, holding, range);
            reinserted++;
          }
        }
      }
    }

    private void insert(
        Connection connection,
        TargetDeclaration target,
        String clientId,
        long id,
        long version,
        boolean holding,
        KeyRange range)
        throws SQLException {
      DemoRows rows = generator.demoRows(target.name());
      Object[] row = new Object[rows.width()];
      rows.fill(row, generator.client(clientId), random, id, version);
      List<String> columns = new ArrayList<>();
      columns.add(target.clientColumn());
      target.columns().forEach(column -> columns.add(column.name()));
      String sql =
          "INSERT INTO "
              + target.table()
              + " ("
              + String.join(", ", columns)
              + ") VALUES ("
              + "?, ".repeat(columns.size() - 1)
              + "?)";
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        statement.setString(1, clientId);
        for (int i = 0; i < target.columns().size(); i++) {
          RowWriter.bind(statement, i + 2, target.columns().get(i).type(), row[i + 1]);
        }
        statement.executeUpdate();
      }
      record(
          range, holding, id, new Change(clientId, target.name(), id, Operation.INSERT, version));
      inserted++;
    }

    private void update(
        Connection connection,
        TargetDeclaration target,
        String clientId,
        long id,
        long version,
        boolean holding,
        KeyRange range)
        throws SQLException {
      DemoRows rows = generator.demoRows(target.name());
      Object[] row = new Object[rows.width()];
      row[0] = clientId;
      row[1 + rows.keyIndex()] = id;
      rows.update(row, generator.client(clientId), random, version);
      List<String> assignments = new ArrayList<>();
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < target.columns().size(); i++) {
        if (i != rows.keyIndex()) {
          assignments.add(target.columns().get(i).name() + " = ?");
          positions.add(i);
        }
      }
      String key = target.keyColumns().getFirst();
      String sql =
          "UPDATE "
              + target.table()
              + " SET "
              + String.join(", ", assignments)
              + " WHERE "
              + target.clientColumn()
              + " = ? AND "
              + key
              + " = ?";
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        int index = 1;
        for (int position : positions) {
          ColumnDeclaration column = target.columns().get(position);
          RowWriter.bind(statement, index++, column.type(), row[position + 1]);
        }
        statement.setString(index++, clientId);
        statement.setLong(index, id);
        requireOneRow(statement.executeUpdate(), "update", target, clientId, id);
      }
      record(
          range, holding, id, new Change(clientId, target.name(), id, Operation.UPDATE, version));
      updated++;
    }

    private void delete(
        Connection connection,
        TargetDeclaration target,
        String clientId,
        long id,
        long version,
        boolean holding,
        KeyRange range)
        throws SQLException {
      String key = target.keyColumns().getFirst();
      try (PreparedStatement statement =
          connection.prepareStatement(
              "DELETE FROM "
                  + target.table()
                  + " WHERE "
                  + target.clientColumn()
                  + " = ? AND "
                  + key
                  + " = ?")) {
        statement.setString(1, clientId);
        statement.setLong(2, id);
        requireOneRow(statement.executeUpdate(), "delete", target, clientId, id);
      }
      try (PreparedStatement statement =
          connection.prepareStatement(
              "INSERT INTO "
                  + target.deletes().table()
                  + " ("
                  + target.clientColumn()
                  + ", "
                  + key
                  + ", "
                  + target.versionColumn()
                  + ") VALUES (?, ?, ?)")) {
        statement.setString(1, clientId);
        statement.setLong(2, id);
        statement.setLong(3, version);
        statement.executeUpdate();
      }
      // A deleted key is never picked again (the re-insert uses it explicitly).
      range.excluded.add(id);
      record(
          range, holding, id, new Change(clientId, target.name(), id, Operation.DELETE, version));
      deleted++;
    }

    private void record(KeyRange range, boolean holding, long id, Change change) {
      if (holding) {
        range.excluded.add(id);
      }
      made.add(change);
    }

    /** An existing key of the original range not reserved by the held transaction, or -1. */
    private long pickExisting(
        Connection connection, TargetDeclaration target, String clientId, KeyRange range)
        throws SQLException {
      if (range.maxAtStart < range.minAtStart) {
        return -1;
      }
      String key = target.keyColumns().getFirst();
      String where = " WHERE " + target.clientColumn() + " = ? AND " + key;
      long span = range.maxAtStart - range.minAtStart + 1;
      try (PreparedStatement exists =
          connection.prepareStatement("SELECT 1 FROM " + target.table() + where + " = ?")) {
        for (int attempt = 0; attempt < RANDOM_PICKS; attempt++) {
          long id = range.minAtStart + random.nextLong(span);
          if (range.excluded.contains(id)) {
            continue;
          }
          exists.setString(1, clientId);
          exists.setLong(2, id);
          try (ResultSet result = exists.executeQuery()) {
            if (result.next()) {
              return id;
            }
          }
        }
      }
      // Sparse after many deletes: walk the keys from a random point, then from the start.
      long from = range.minAtStart + random.nextLong(span);
      for (long start : new long[] {from, range.minAtStart}) {
        try (PreparedStatement scan =
            connection.prepareStatement(
                "SELECT "
                    + key
                    + " FROM "
                    + target.table()
                    + where
                    + " >= ? AND "
                    + key
                    + " <= ? ORDER BY "
                    + key)) {
          scan.setString(1, clientId);
          scan.setLong(2, start);
          scan.setLong(3, range.maxAtStart);
          try (ResultSet result = scan.executeQuery()) {
            while (result.next()) {
              long id = result.getLong(1);
              if (!range.excluded.contains(id)) {
                return id;
              }
            }
          }
        }
      }
      return -1;
    }

    private KeyRange range(Connection connection, TargetDeclaration target, String clientId)
        throws SQLException {
      String rangeKey = clientId + "\u0000" + target.name();
      KeyRange range = ranges.get(rangeKey);
      if (range == null) {
        String key = target.keyColumns().getFirst();
        long min = 1;
        long max = 0;
        long maxDeleted = 0;
        try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT MIN("
                    + key
                    + "), MAX("
                    + key
                    + ") FROM "
                    + target.table()
                    + " WHERE "
                    + target.clientColumn()
                    + " = ?")) {
          statement.setString(1, clientId);
          try (ResultSet result = statement.executeQuery()) {
            result.next();
            if (result.getObject(1) != null) {
              min = result.getLong(1);
              max = result.getLong(2);
            }
          }
        }
        try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT MAX("
                    + key
                    + ") FROM "
                    + target.deletes().table()
                    + " WHERE "
                    + target.clientColumn()
                    + " = ?")) {
          statement.setString(1, clientId);
          try (ResultSet result = statement.executeQuery()) {
            result.next();
            maxDeleted = result.getLong(1);
          }
        }
        // New keys start above every key ever used, so an insert is never a silent re-insert.
        range = new KeyRange(min, max, Math.max(max, maxDeleted) + 1);
        ranges.put(rangeKey, range);
      }
      return range;
    }

    /**
     * A bounded lock wait, so a burst that would block on its own held transaction fails instead of
     * hanging (PostgreSQL waits forever by default, MariaDB 50 s; H2's default is already 1 s).
     */
    void prepare(Connection connection) throws SQLException {
      connection.setAutoCommit(false);
      String sql =
          switch (dialect) {
            case POSTGRESQL -> "SET lock_timeout = '" + LOCK_TIMEOUT_SECONDS + "s'";
            case MARIADB -> "SET SESSION innodb_lock_wait_timeout = " + LOCK_TIMEOUT_SECONDS;
            case H2 -> null;
          };
      if (sql != null) {
        try (Statement statement = connection.createStatement()) {
          statement.execute(sql);
        }
      }
    }

    void restore(Connection connection) throws SQLException {
      String sql =
          switch (dialect) {
            case POSTGRESQL -> "RESET lock_timeout";
            case MARIADB -> "SET SESSION innodb_lock_wait_timeout = DEFAULT";
            case H2 -> null;
          };
      if (sql != null) {
        try (Statement statement = connection.createStatement()) {
          statement.execute(sql);
        }
      }
      connection.setAutoCommit(true);
    }
  }

  private static void requireOneRow(
      int count, String what, TargetDeclaration target, String clientId, long id) {
    if (count != 1) {
      throw new IllegalStateException(
          what
              + " of "
              + target.name()
              + " "
              + clientId
              + "/"
              + id
              + " touched "
              + count
              + " rows");
    }
  }

  /** Keys of one (client, target) as the burst found them, and what it reserved since. */
  private static final class KeyRange {
    final long minAtStart;
    final long maxAtStart;
    long nextId;
    final Set<Long> excluded = new HashSet<>();

    KeyRange(long minAtStart, long maxAtStart, long nextId) {
      this.minAtStart = minAtStart;
      this.maxAtStart = maxAtStart;
      this.nextId = nextId;
    }
  }
}
