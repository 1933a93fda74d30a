package dev.storagebuilder.aws.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link VersionLedger} does, whatever stores it. Subclasses supply the ledger; tests
 * use fresh target ids, so one ledger may serve them all and may already hold other targets.
 *
 * <p>Randomized specs take their seed from {@code -Dcontract.seed=N} (else a random one) and name
 * it in every failure message, so a failure reproduces.
 */
public abstract class VersionLedgerContract {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** The ledger under test. */
  protected abstract VersionLedger ledger();

  /** Commits the implementation keeps in {@link VersionLedger#history}. */
  protected int historyLimit() {
    return 20;
  }

  @Test
  void anUnknownTargetHasNoVersionAndNoHistory() {
    TargetRef target = newTarget();

    assertThat(ledger().current(target)).isEmpty();
    assertThat(ledger().history(target)).isEmpty();
  }

  @Test
  void theFirstCommitExpectsSequenceZeroAndBecomesCurrent() {
    TargetRef target = newTarget();
    TargetVersion first = version(target, 1, 100, "run-a");

    assertThat(ledger().commit(first, 0)).isTrue();

    assertThat(ledger().current(target)).contains(first);
    assertThat(ledger().history(target)).containsExactly(first);
  }

  @Test
  void aSecondFirstCommitLosesToTheExistingRecord() {
    TargetRef target = newTarget();
    TargetVersion first = version(target, 1, 100, "run-a");
    assertThat(ledger().commit(first, 0)).isTrue();

    assertThat(ledger().commit(version(target, 1, 999, "run-b"), 0)).isFalse();

    assertThat(ledger().current(target)).contains(first);
  }

  @Test
  void aCommitOnAnAbsentRecordWithANonZeroExpectationLoses() {
    TargetRef target = newTarget();

    assertThat(ledger().commit(version(target, 4, 100, "run-a"), 3)).isFalse();

    assertThat(ledger().current(target)).isEmpty();
  }

  @Test
  void aCommitWithAStaleExpectedSequenceLosesAndChangesNothing() {
    TargetRef target = newTarget();
    TargetVersion v1 = version(target, 1, 100, "run-a");
    TargetVersion v2 = version(target, 2, 200, "run-b");
    assertThat(ledger().commit(v1, 0)).isTrue();
    assertThat(ledger().commit(v2, 1)).isTrue();
    List<TargetVersion> historyBefore = ledger().history(target);

    // A stale worker that read sequence 1 tries to publish its own sequence 2.
    boolean committed = ledger().commit(version(target, 2, 150, "run-stale"), 1);

    assertThat(committed).isFalse();
    assertThat(ledger().current(target)).contains(v2);
    assertThat(ledger().history(target)).isEqualTo(historyBefore);
  }

  @Test
  void racingCommitsOfTheSameNextSequenceHaveExactlyOneWinner() throws Exception {
    long seed = seed();
    SplittableRandom random = new SplittableRandom(seed);
    TargetRef target = newTarget();
    int rounds = 6;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 1; round <= rounds; round++) {
        int racers = 2 + random.nextInt(7);
        long expected = round - 1;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        List<TargetVersion> candidates = new ArrayList<>();
        for (int r = 0; r < racers; r++) {
          TargetVersion candidate =
              version(
                  target, round, random.nextLong(1, Long.MAX_VALUE), "run-r" + round + "-w" + r);
          candidates.add(candidate);
          Callable<Boolean> commit =
              () -> {
                start.await();
                return ledger().commit(candidate, expected);
              };
          results.add(pool.submit(commit));
        }
        start.countDown();
        List<TargetVersion> winners = new ArrayList<>();
        for (int r = 0; r < racers; r++) {
          if (results.get(r).get(30, TimeUnit.SECONDS)) {
            winners.add(candidates.get(r));
          }
        }

        assertThat(winners)
            .as("seed %d, round %d, %d racers: exactly one winner", seed, round, racers)
            .hasSize(1);
        assertThat(ledger().current(target))
            .as("seed %d, round %d: the winner is current", seed, round)
            .contains(winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
    List<TargetVersion> history = ledger().history(target);
    assertThat(history)
        .as("seed %d: one history entry per round, newest first", seed)
        .extracting(TargetVersion::sequence)
        .containsExactly(6L, 5L, 4L, 3L, 2L, 1L);
  }

  @Test
  void historyIsNewestFirstAndBounded() {
    TargetRef target = newTarget();
    int commits = historyLimit() + 5;
    for (int sequence = 1; sequence <= commits; sequence++) {
      assertThat(
              ledger()
                  .commit(
                      version(target, sequence, sequence * 10L, "run-" + sequence), sequence - 1))
          .isTrue();
    }

    List<TargetVersion> history = ledger().history(target);

    assertThat(history).hasSize(historyLimit());
    assertThat(history.get(0)).isEqualTo(ledger().current(target).orElseThrow());
    assertThat(history)
        .extracting(TargetVersion::sequence)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.rangeClosed(commits - historyLimit() + 1, commits)
                .boxed()
                .sorted(java.util.Comparator.reverseOrder())
                .toList());
    assertThat(history.get(1).manifestKey())
        .isEqualTo("manifests/" + target.key() + "/" + (commits - 1));
  }

  @Test
  void numbersRoundTripExactly() {
    TargetRef target = newTarget();
    TargetVersion version =
        new TargetVersion(
            target,
            1,
            Long.MAX_VALUE - 1,
            "manifests/big",
            (1L << 53) + 1, // not representable as a double
            "sha256:" + "f".repeat(64),
            Integer.MAX_VALUE,
            "run-big",
            T0.plusNanos(123_456_000));

    assertThat(ledger().commit(version, 0)).isTrue();

    assertThat(ledger().current(target)).contains(version);
  }

  @Test
  void theShapeRoundTripsWhereverTheVersionIsReadAndMayBeAbsent() {
    TargetRef target = newTarget();
    TargetVersion unknown = version(target, 1, 1, "run-1");
    TargetVersion v1 = version(target, 2, 2, "run-2");
    TargetVersion shaped =
        new TargetVersion(
            target, v1.sequence(), v1.watermark(), v1.manifestKey(), v1.rowCount(), v1.contentChecksum(),
            v1.chainLength(), v1.runId(), v1.committedAt(), "0123456789abcdef0123456789abcdef");

    assertThat(ledger().commit(unknown, 0)).isTrue();
    assertThat(ledger().current(target)).contains(unknown);
    assertThat(ledger().commit(shaped, 1)).isTrue();

    assertThat(ledger().current(target)).contains(shaped);
    assertThat(ledger().history(target)).containsExactly(shaped, unknown);
    assertThat(ledger().all()).contains(shaped);
  }

  @Test
  void currentOfAnswersForEveryTargetAskedRecordOrNone() {
    TargetRef first = newTarget();
    TargetRef second = newTarget();
    TargetVersion v1 = version(first, 1, 1, "run-1");
    TargetVersion v2 = version(second, 1, 2, "run-1");
    ledger().commit(v1, 0);
    ledger().commit(v2, 0);
    ledger().commit(version(second, 2, 3, "run-2"), 1);
    List<TargetRef> asked = new ArrayList<>(List.of(first, second));
    for (int i = 0; i < 150; i++) { // more than one request's worth of keys on DynamoDB
      asked.add(newTarget());
    }

    Map<TargetRef, Optional<TargetVersion>> found = ledger().currentOf(asked);

    assertThat(found).hasSize(asked.size());
    assertThat(found.get(first)).contains(v1);
    assertThat(found.get(second)).isEqualTo(ledger().current(second));
    assertThat(found.get(second).orElseThrow().sequence()).isEqualTo(2);
    assertThat(asked.subList(2, asked.size())).allSatisfy(target -> assertThat(found.get(target)).isEmpty());
    // What it read serves the next commit as current() would.
    assertThat(ledger().commit(version(first, 2, 4, "run-2"), 1)).isTrue();
    assertThat(ledger().history(first)).extracting(TargetVersion::sequence).containsExactly(2L, 1L);
  }

  @Test
  void allListsTheCurrentVersionOfEveryTarget() {
    List<TargetVersion> latest = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TargetRef target = newTarget();
      ledger().commit(version(target, 1, 1, "run-1"), 0);
      TargetVersion second = version(target, 2, 2, "run-2");
      ledger().commit(second, 1);
      latest.add(second);
    }

    List<TargetVersion> all = ledger().all();

    assertThat(all).containsAll(latest);
    assertThat(
            all.stream().filter(v -> latest.stream().anyMatch(l -> l.target().equals(v.target()))))
        .hasSize(3);
  }

  protected static TargetRef newTarget() {
    return new TargetRef("c-" + UUID.randomUUID().toString().substring(0, 12), "raw_data");
  }

  protected static TargetVersion version(
      TargetRef target, long sequence, long watermark, String runId) {
    return new TargetVersion(
        target,
        sequence,
        watermark,
        "manifests/" + target.key() + "/" + sequence,
        sequence * 1000,
        "sha256:" + Long.toHexString(watermark),
        (int) (sequence % 7),
        runId,
        T0.plus(sequence, ChronoUnit.MINUTES).plusMillis(watermark % 1000));
  }

  protected static long seed() {
    String configured = System.getProperty("contract.seed");
    return configured != null ? Long.parseLong(configured) : new SplittableRandom().nextLong();
  }
}
