package dev.storagebuilder.worker.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.worker.pipeline.CompactionPolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The randomized concurrency test of incremental sync, run against every source dialect: writer
 * threads insert, update, delete, re-insert and re-key rows in short transactions while one long
 * transaction holds the lowest version of the round open until everything after it has committed
 * and been synced; incremental syncs run again and again meanwhile. After the writers stop and one
 * last sync runs, the snapshot must equal the source exactly, and the watermarks must never have
 * gone backwards.
 *
 * <p>{@code -Dsb.incremental.rounds=5000} runs more rounds; {@code -Dsb.incremental.seed=N}
 * replays one round (the seed is printed on failure).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IncrementalConcurrencyContract {
  private static final int WRITERS = 3;
  private static final int KEYS_PER_WRITER = 12;
  private final SourceSchema schema = new SourceSchema(dialect());
  private TestSource source;

  abstract SourceSchema.Dialect dialect();

  @BeforeAll
  void createSource() throws SQLException {
    source = TestSource.create(dialect());
    try (Connection connection = source.dataSource().getConnection()) {
      schema.create(connection);
    }
  }

  @AfterAll
  void dropSource() throws SQLException {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void incrementalSyncsUnderConcurrentOutOfOrderWritesEndEqualToTheSource() throws Exception {
    int rounds = Integer.getInteger("sb.incremental.rounds", 50);
    Long fixed = Long.getLong("sb.incremental.seed");
    long base = System.nanoTime();
    for (int round = 0; round < (fixed != null ? 1 : rounds); round++) {
      long seed = fixed != null ? fixed : base + round;
      try {
        round(seed);
      } catch (Throwable e) {
        throw new AssertionError(dialect() + " round failed; replay with -Dsb.incremental.seed=" + seed + ": " + e, e);
      }
    }
  }

  private void round(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    try (Connection connection = source.dataSource().getConnection();
        Statement sql = connection.createStatement()) {
      sql.execute("DELETE FROM items");
      sql.execute("DELETE FROM items_deleted");
    }
    for (int writer = 0; writer < WRITERS; writer++) {
      for (int key = 0; key < KEYS_PER_WRITER / 2; key++) {
        long id = writer * 1_000L + key;
        write(c -> SourceSchema.upsert(c, "acme", id, "initial", id, schema.nextVersion(c)));
      }
    }
    IncrementalHarness h =
        new IncrementalHarness(source.dataSource(), new CompactionPolicy(1 + random.nextInt(4), 100),
            IncrementalHarness.fastSettle(), seed);
    h.sync(SyncMode.INCREMENTAL);

    CountDownLatch othersCommitted = new CountDownLatch(WRITERS - 1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
    List<Long> watermarks = new ArrayList<>();
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        long writerSeed = random.nextLong();
        writers.add(pool.submit(() -> {
          try {
            writeRandomly(writer, new SplittableRandom(writerSeed), writer == 0 ? release : null);
          } finally {
            if (writer != 0) {
              othersCommitted.countDown();
            }
          }
          return null;
        }));
      }
      Future<?> syncer = pool.submit(() -> {
        while (writing.get()) {
          watermarks.add(h.sync(SyncMode.INCREMENTAL).built().version().watermark());
        }
        return null;
      });
      assertThat(othersCommitted.await(60, TimeUnit.SECONDS)).isTrue();
      // Every later transaction has committed; the held one has not: this sync sees the later
      // versions but not the held one, and must not move past it for good.
      watermarks.add(h.sync(SyncMode.INCREMENTAL).built().version().watermark());
      release.countDown();
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      syncer.get(60, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      writing.set(false);
      pool.shutdownNow();
    }
    h.sync(SyncMode.INCREMENTAL);
    assertThat(h.state()).isEqualTo(h.source());
    TargetVersion last = h.versions.current(IncrementalHarness.ACME).orElseThrow();
    assertThat(last.rowCount()).isEqualTo(h.source().size());
    List<Long> committed = h.versions.history(IncrementalHarness.ACME).stream().map(TargetVersion::watermark).toList();
    assertThat(committed.reversed()).isSorted();
    assertThat(h.versions.history(IncrementalHarness.ACME).getFirst().sequence()).isEqualTo(committed.size());
  }

  /**
   * One writer's transactions over its own keys (so no writer waits for another's row locks). The
   * first transaction of writer 0 takes its version first and stays open until {@code hold} opens.
   */
  private void writeRandomly(int writer, SplittableRandom random, CountDownLatch hold) throws Exception {
    int transactions = 2 + random.nextInt(5);
    for (int t = 0; t < transactions; t++) {
      try (Connection connection = source.dataSource().getConnection()) {
        connection.setAutoCommit(false);
        long version = schema.nextVersion(connection);
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
          long id = writer * 1_000L + random.nextInt(KEYS_PER_WRITER);
          switch (random.nextInt(5)) {
            case 0, 1 -> SourceSchema.upsert(connection, "acme", id, "w" + writer + "t" + t + "c" + c, random.nextLong(), version);
            case 2 -> SourceSchema.delete(connection, "acme", id, version);
            case 3 -> {
              long newId = writer * 1_000L + random.nextInt(KEYS_PER_WRITER);
              if (newId != id && !exists(connection, newId)) {
                SourceSchema.changeKey(connection, "acme", id, newId, version);
              }
            }
            default -> {
              // delete and re-insert the same key within one transaction
              SourceSchema.delete(connection, "acme", id, version);
              SourceSchema.upsert(connection, "acme", id, "again", 0, version);
            }
          }
        }
        if (t == 0 && hold != null) {
          assertThat(hold.await(60, TimeUnit.SECONDS)).isTrue();
        }
        if (random.nextInt(10) == 0 && !(t == 0 && hold != null)) {
          connection.rollback();
        } else {
          connection.commit();
        }
      }
    }
  }

  private static boolean exists(Connection connection, long id) throws SQLException {
    try (var select = connection.prepareStatement("SELECT 1 FROM items WHERE client_id = 'acme' AND id = ?")) {
      select.setLong(1, id);
      try (var rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }

  interface Write {
    void run(Connection connection) throws SQLException;
  }

  private void write(Write write) throws SQLException {
    try (Connection connection = source.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      write.run(connection);
      connection.commit();
    }
  }
}
