package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.bench.CpuAccount.Reading;
import dev.storagebuilder.bench.CpuAccount.Role;
import dev.storagebuilder.bench.CpuAccount.StatTimes;
import dev.storagebuilder.bench.CpuAccount.Use;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CpuAccountTest {
  /** Spins for about a second of CPU in a shell of its own, then idles until killed. */
  private static final String BUSY_THEN_IDLE =
      "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; exec sleep 60";
  private static final String BUSY_THEN_EXIT = "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done";

  @BeforeEach
  void onLinux() {
    assumeThat(Files.isDirectory(Path.of("/proc/self"))).as("/proc (Linux)").isTrue();
  }

  @Test
  void aStatLineIsReadFromAfterItsCommandNameWhateverTheNameHolds() {
    String line = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 500 0 0 0 731 52 9 4 20 0 7 0 100 2000 300";

    assertThat(StatTimes.parse(line)).isEqualTo(new StatTimes(731, 52, 9, 4));
  }

  @Test
  void aLineThatIsNotAStatLineIsRefusedWithTheLine() {
    assertThatThrownBy(() -> StatTimes.parse("4242 (cut) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(cut) S 1 2");
    assertThatThrownBy(() -> StatTimes.parse("no name here")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWorkersCpuCountsAsTheWorkersAndNotAsAnotherChild() throws Exception {
    Process worker = new ProcessBuilder("sh", "-c", BUSY_THEN_IDLE).start();
    try {
      CpuAccount account = new CpuAccount(() -> List.of(worker.pid()), Optional::empty);
      Reading start = account.read();

      await().atMost(Duration.ofSeconds(30)).until(() -> account.read().since(start).of(Role.WORKERS) >= 0.2);
      Use use = account.read().since(start);

      assertThat(use.of(Role.ENDED_CHILDREN, Role.RUNNING_CHILDREN)).isLessThan(0.2);
      assertThat(use.describe()).startsWith("workers ");
    } finally {
      worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aChildThatEndsInsideTheWindowStillCounts() throws Exception {
    CpuAccount account = CpuAccount.withoutFleet();
    Reading before = account.read();

    Process child = new ProcessBuilder("sh", "-c", BUSY_THEN_EXIT).start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> account.read().since(before).of(Role.ENDED_CHILDREN) >= 0.2);

    assertThat(account.read().since(before).of(Role.WORKERS, Role.PRODUCER)).isZero();
  }

  /**
   * The limit pipeline's children end inside its window; dynalite, a child of this JVM too, runs on
   * while the fleet is up. Its CPU in a limit run sampled between export rounds is not psql's and
   * zstd's: the runs before the fleet started have no dynalite, and the fastest run of either kind
   * is the baseline.
   */
  @Test
  void aChildStillRunningIsNotTakenForOneThatEndedInTheWindow() throws Exception {
    Process emulator = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      CpuAccount account = CpuAccount.withoutFleet();
      Reading before = account.read();

      await().atMost(Duration.ofSeconds(30)).until(() -> account.read().since(before).of(Role.RUNNING_CHILDREN) >= 0.3);
      Use use = account.read().since(before);

      assertThat(use.of(Role.ENDED_CHILDREN)).isLessThan(0.05);
      assertThat(use.limitPipeline()).isLessThan(0.05);
    } finally {
      emulator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theLimitPipelinesCpuIsTheChildrenThatEndedAndPostgres() {
    Reading before = new Reading(Map.of(Role.ENDED_CHILDREN, 10L, Role.POSTGRES, 40L, Role.RUNNING_CHILDREN, 500L,
        Role.BENCH_JVM, 1000L, Role.WORKERS, 300L));
    Reading after = new Reading(Map.of(Role.ENDED_CHILDREN, 70L, Role.POSTGRES, 120L, Role.RUNNING_CHILDREN, 509L,
        Role.BENCH_JVM, 1030L, Role.WORKERS, 302L));

    Use use = after.since(before);

    assertThat(use.limitPipeline()).isCloseTo(1.40, within(1e-9));
    assertThat(use.total()).isCloseTo(1.81, within(1e-9));
  }

  @Test
  void aPostgresBackendThatEndsWithItsClientIsCountedInTheReadingRightAfterTheClientExits() throws Exception {
    assumeTrue(LimitPipeline.missingTool().isEmpty(), "psql or zstd is not on the PATH");
    CpuAccount account = CpuAccount.withoutFleet();
    // psql exits before its backend has finished exiting; read at that moment, the backend's CPU
    // was lost about once in 40 (the race is rare, hence the attempts).
    for (int attempt = 0; attempt < 30; attempt++) {
      Reading before = account.read();
      Process psql =
          new ProcessBuilder("psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c",
              "select count(*) from generate_series(1, 3000000) a, lateral (select md5(a::text)) m")
              .redirectErrorStream(true).start();
      psql.getInputStream().readAllBytes();
      assertThat(psql.waitFor(60, TimeUnit.SECONDS)).isTrue();

      Use use = account.readOnceNewBackendsEnded(before).since(before);

      assertThat(use.of(Role.POSTGRES)).as("attempt %d: %s", attempt, use.describe()).isGreaterThanOrEqualTo(0.1);
    }
  }

  @Test
  void thisJvmsOwnWorkIsItsOwnRole() {
    CpuAccount account = CpuAccount.withoutFleet();
    Reading before = account.read();

    // Until this thread has had 300 ms of CPU, not of wall time: on a loaded machine 300 ms of wall
    // time gave it 0.13 CPU-s.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long spins = 0;
    long end = threads.getCurrentThreadCpuTime() + Duration.ofMillis(300).toNanos();
    while (threads.getCurrentThreadCpuTime() < end) {
      spins++;
    }

    assertThat(spins).isPositive();
    assertThat(account.read().since(before).of(Role.BENCH_JVM)).isGreaterThanOrEqualTo(0.2);
  }

  @Test
  void aWindowWithAnUnreadableEndIsNotMeasured() {
    Use use = new Reading(Map.of()).since(new Reading(Map.of(Role.WORKERS, 5L)));

    assertThat(use.measured()).isFalse();
    assertThat(use.total()).isZero();
    assertThat(use.describe()).isEmpty();
  }

  @Test
  void spentTimeIsInSecondsAndListedInRoleOrder() {
    Reading before = new Reading(Map.of(Role.WORKERS, 100L, Role.POSTGRES, 10L, Role.BENCH_JVM, 0L));
    Reading after = new Reading(Map.of(Role.WORKERS, 262L, Role.POSTGRES, 81L, Role.BENCH_JVM, 0L));

    Use use = after.since(before);

    assertThat(use.of(Role.WORKERS)).isCloseTo(1.62, within(1e-9));
    assertThat(use.of(Role.WORKERS, Role.POSTGRES)).isCloseTo(2.33, within(1e-9));
    assertThat(use.describe()).isEqualTo("workers 1.62, PostgreSQL 0.71");
  }
}
