package dev.storagebuilder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU-seconds the processes of a scenario spent between two readings, by role, from {@code /proc}.
 *
 * <p>Why: on two shared cores a wall-clock ratio mixes the worker's own cost with what PostgreSQL and
 * the emulators take from the same cores. The emulators stand in for S3, SQS and DynamoDB, which in
 * production run on none of the worker's cores, and the limit pipeline pays for none of them; CPU by
 * role tells the two apart in every run.
 *
 * <p>Processes that end inside a window still count: a finished child's CPU moves into its parent's
 * {@code cutime}/{@code cstime} when the parent reaps it (the JDK reaps this JVM's children;
 * PostgreSQL's postmaster its backends), so each role adds those of its processes. Where {@code
 * /proc} cannot be read (not Linux), every reading is empty and the figures say so.
 */
final class CpuAccount {
  /** Who spent the CPU. */
  enum Role {
    WORKERS("workers"),
    POSTGRES("PostgreSQL"),
    PRODUCER("producer"),
    BENCH_JVM("this JVM (S3Proxy, ElasticMQ, the bench's polls)"),
    /** Children of this JVM still running at the reading, outside the fleet: dynalite. */
    RUNNING_CHILDREN("other children (dynalite)"),
    /** Children of this JVM that ended, counted once reaped: psql and zstd (through bash). */
    ENDED_CHILDREN("children that ended (psql and zstd)");

    private final String label;

    Role(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux the JDK supports. */
  private static final double TICKS_PER_SECOND = 100.0;
  private static final Path PROC = Path.of("/proc");
  /** Long enough for a backend's exit; short enough for one an autovacuum started meanwhile. */
  static final Duration BACKEND_END_WAIT = Duration.ofSeconds(3);

  private final Supplier<List<Long>> workerPids;
  private final Supplier<Optional<Long>> producerPid;

  /**
   * @param workerPids the fleet's live workers, asked at each reading
   * @param producerPid the fleet's producer, if any
   */
  CpuAccount(Supplier<List<Long>> workerPids, Supplier<Optional<Long>> producerPid) {
    this.workerPids = workerPids;
    this.producerPid = producerPid;
  }

  /** For windows without a fleet (the limit pipeline). */
  static CpuAccount withoutFleet() {
    return new CpuAccount(List::of, Optional::empty);
  }

  /** What each role has spent so far; empty when {@code /proc} is not there. */
  Reading read() {
    if (!Files.isDirectory(PROC.resolve("self"))) {
      return new Reading(Map.of(), Set.of());
    }
    Map<Role, Long> ticks = new EnumMap<>(Role.class);
    List<Long> workers = workerPids.get();
    Optional<Long> producer = producerPid.get();
    long self = ProcessHandle.current().pid();
    ticks.put(Role.WORKERS, workers.stream().mapToLong(CpuAccount::ticksWithReaped).sum());
    ticks.put(Role.PRODUCER, producer.map(CpuAccount::ticksWithReaped).orElse(0L));
    List<Long> postgres = postgresPids();
    ticks.put(Role.POSTGRES, postgres.stream().mapToLong(CpuAccount::ticksWithReaped).sum());
    StatTimes own = stat(self).orElse(StatTimes.NONE);
    ticks.put(Role.BENCH_JVM, own.user() + own.system());
    Set<Long> fleet = Stream.concat(workers.stream(), producer.stream()).collect(Collectors.toSet());
    long runningChildren = ProcessHandle.current().descendants()
        .map(ProcessHandle::pid)
        .filter(pid -> !fleet.contains(pid))
        .mapToLong(pid -> stat(pid).map(t -> t.user() + t.system()).orElse(0L))
        .sum();
    ticks.put(Role.RUNNING_CHILDREN, runningChildren);
    // Apart from the running ones: dynalite's CPU in a limit run sampled while the fleet is up is not
    // psql's and zstd's. A child that ends inside a window moves its whole CPU from the one to the
    // other; only the limit pipeline's do, and they start inside it. Reaped children also include
    // workers killed before this reading; windows never span a kill.
    ticks.put(Role.ENDED_CHILDREN, own.childrenUser() + own.childrenSystem());
    return new Reading(ticks, Set.copyOf(postgres));
  }

  /**
   * A reading taken once every PostgreSQL process that started after {@code earlier} has ended and
   * been reaped (waiting at most {@link #BACKEND_END_WAIT}). A client's backend ends after the
   * client does; read in between, its CPU was in neither the backend nor the postmaster (one of 40
   * readings right after a psql exited missed all of it, one limit run read 0.01 CPU-s of ~0.6).
   */
  Reading readOnceNewBackendsEnded(Reading earlier) {
    long deadline = System.nanoTime() + BACKEND_END_WAIT.toNanos();
    while (true) {
      Reading reading = read();
      boolean newBackendsGone = earlier.postgresPids().containsAll(reading.postgresPids());
      if (newBackendsGone || System.nanoTime() > deadline) {
        return reading;
      }
      LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
    }
  }

  /**
   * CPU ticks of every role at one moment.
   *
   * @param postgresPids PostgreSQL's processes at that moment
   */
  record Reading(Map<Role, Long> ticks, Set<Long> postgresPids) {
    Reading {
      ticks = Map.copyOf(ticks);
      postgresPids = Set.copyOf(postgresPids);
    }

    Reading(Map<Role, Long> ticks) {
      this(ticks, Set.of());
    }

    /** CPU-seconds each role spent from {@code earlier} to this reading; empty if either is. */
    Use since(Reading earlier) {
      if (ticks.isEmpty() || earlier.ticks.isEmpty()) {
        return new Use(Map.of());
      }
      Map<Role, Double> seconds = new EnumMap<>(Role.class);
      for (Role role : Role.values()) {
        long spent = ticks.getOrDefault(role, 0L) - earlier.ticks.getOrDefault(role, 0L);
        seconds.put(role, Math.max(0, spent) / TICKS_PER_SECOND);
      }
      return new Use(seconds);
    }
  }

  /** CPU-seconds by role over one window. */
  record Use(Map<Role, Double> seconds) {
    Use {
      seconds = Map.copyOf(seconds);
    }

    boolean measured() {
      return !seconds.isEmpty();
    }

    double of(Role... roles) {
      double sum = 0;
      for (Role role : roles) {
        sum += seconds.getOrDefault(role, 0.0);
      }
      return sum;
    }

    double total() {
      return of(Role.values());
    }

    /** What the limit pipeline costs: psql and zstd, which end inside its window, and PostgreSQL. */
    double limitPipeline() {
      return of(Role.ENDED_CHILDREN, Role.POSTGRES);
    }

    /** e.g. {@code workers 1.62, PostgreSQL 0.71, ...}: every role that spent something, in role order. */
    String describe() {
      return Stream.of(Role.values())
          .filter(role -> seconds.getOrDefault(role, 0.0) > 0)
          .map(role -> String.format("%s %.2f", role.label(), seconds.get(role)))
          .collect(Collectors.joining(", "));
    }
  }

  /** The CPU fields of {@code /proc/<pid>/stat}, in clock ticks. */
  record StatTimes(long user, long system, long childrenUser, long childrenSystem) {
    static final StatTimes NONE = new StatTimes(0, 0, 0, 0);

    /**
     * Parses one {@code stat} line. The command name (field 2) is in parentheses and may itself
     * hold spaces and parentheses, so fields are counted from the last ')'.
     */
    static StatTimes parse(String line) {
      int end = line.lastIndexOf(')');
      if (end < 0) {
        throw new IllegalArgumentException("not a /proc stat line: " + line);
      }
      // After the name: field 3 (state) first, so field n is at index n - 3.
      String[] fields = line.substring(end + 1).trim().split("\\s+");
      if (fields.length < 15) {
        throw new IllegalArgumentException("a /proc stat line with " + fields.length + " fields after the name: " + line);
      }
      return new StatTimes(
          Long.parseLong(fields[11]), Long.parseLong(fields[12]), Long.parseLong(fields[13]), Long.parseLong(fields[14]));
    }
  }

  private static long ticksWithReaped(long pid) {
    return stat(pid).map(t -> t.user() + t.system() + t.childrenUser() + t.childrenSystem()).orElse(0L);
  }

  private static Optional<StatTimes> stat(long pid) {
    try {
      return Optional.of(StatTimes.parse(Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // it ended between the listing and the read
    }
  }

  /** Every process whose command is {@code postgres}: the postmaster, its backends and helpers. */
  private static List<Long> postgresPids() {
    try (Stream<Path> entries = Files.list(PROC)) {
      return entries
          .map(path -> path.getFileName().toString())
          .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .filter(CpuAccount::isPostgres)
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static boolean isPostgres(long pid) {
    try {
      return Files.readString(PROC.resolve(Long.toString(pid)).resolve("comm")).strip().equals("postgres");
    } catch (IOException e) {
      return false;
    }
  }
}
