package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.ServiceUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads of the run ledger for the API: validated ids and limits, views instead of ledger records.
 *
 * <p>A run's counts are derived from every one of its target entries, and the dashboard lists 20
 * runs every 1.5 s: 12,000 items a poll for runs of 600 targets. A finished run's counts change
 * only when a dead-lettered entry is written over (a success is never overwritten), which the
 * ledger counts in the run item's {@link RunRecord#reopenings}; so a finished run's status is kept
 * here and served while its run item reads the same, and a run reopened by a redrive is read again.
 * A run with such a write in flight ({@link RunRecord#reopeningInFlight}) is read on every poll.
 */
public final class RunQueries {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 200;

  /** Finished runs kept; a few pages' worth, the least recently served dropped first. */
  static final int FINISHED_KEPT = 1_000;

  /**
   * How long a finished run's status is served without reading its entries again. A write over a
   * dead-lettered entry shows as in flight from before it until it is counted, also when its writer
   * dies in between; this still bounds how long a run reads stale should a writer of an older
   * version, which counted only after the write, die between its write and its count.
   */
  static final Duration FINISHED_KEPT_FOR = Duration.ofMinutes(5);

  private final RunLedger ledger;
  private final Clock clock;

  /** Finished runs' statuses by run id, each with when it was read. Guarded by itself. */
  private final Map<String, Kept> finished =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
          return size() > FINISHED_KEPT;
        }
      };

  private record Kept(RunStatus status, Instant readAt) {}

  public RunQueries(RunLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  /**
   * @throws InvalidRequestException for a malformed id
   * @throws UnknownRunException when the ledger has no such run
   */
  public RunView run(String runId) {
    requireRunId(runId);
    RunRecord run = read(() -> ledger.run(runId)).orElseThrow(() -> new UnknownRunException(runId));
    RunStatus status = status(run).orElseThrow(() -> new UnknownRunException(runId));
    return RunView.of(status, clock.instant());
  }

  /** Newest first, each with its current counts. */
  public List<RunView> recent(int limit) {
    return page(limit, null).runs();
  }

  /**
   * One page of runs, newest first: the newest {@code limit} when {@code before} is null, else the
   * {@code limit} runs created before the run {@code before} (the previous page's {@code
   * nextCursor}).
   */
  public RunPage page(int limit, String before) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidRequestException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
    }
    if (before != null) {
      try {
        Ids.requireRunId(before);
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("cursor: " + e.getMessage());
      }
    }
    List<RunRecord> runs =
        read(() -> before == null ? ledger.recentRuns(limit) : ledger.runsBefore(before, limit));
    List<RunView> views = new ArrayList<>(runs.size());
    for (RunRecord run : runs) {
      status(run).ifPresent(status -> views.add(RunView.of(status, clock.instant())));
    }
    // A full page may have more behind it; the client asks again with the last id as cursor.
    String next = runs.size() == limit ? runs.get(runs.size() - 1).runId() : null;
    return new RunPage(views, next);
  }

  /**
   * The run's status: kept if it finished and {@code listed}, read before now, is the run item it
   * was kept with (no write over a dead-lettered entry since), else read from its entries.
   */
  private Optional<RunStatus> status(RunRecord listed) {
    Instant now = clock.instant();
    synchronized (finished) {
      Kept kept = finished.get(listed.runId());
      if (kept != null
          && !listed.reopeningInFlight()
          && kept.status().run().equals(listed)
          && now.isBefore(kept.readAt().plus(FINISHED_KEPT_FOR))) {
        return Optional.of(kept.status());
      }
    }
    Optional<RunStatus> status = read(() -> ledger.status(listed.runId()));
    // Its run item was read before its entries: a reopening they missed shows in the next listing.
    // Nor kept while a write over a dead-lettered entry is in flight: it may change the counts after
    // the entries were read, and its writer may die before it counts it in reopenings.
    status
        .filter(RunStatus::isFinished)
        .filter(s -> !s.run().reopeningInFlight() && !listed.reopeningInFlight())
        .ifPresent(
            s -> {
              synchronized (finished) {
                finished.put(listed.runId(), new Kept(s, now));
              }
            });
    return status;
  }

  /**
   * A page of runs.
   *
   * @param nextCursor pass as {@code cursor} for the next (older) page; null on the last page
   */
  public record RunPage(List<RunView> runs, String nextCursor) {}

  /**
   * The run's target entries, optionally only those in {@code state}. Targets no worker has touched
   * yet have no entry: they are counted as queued in {@link #run} but not listed here.
   */
  public List<TargetView> targets(String runId, Optional<TargetState> state) {
    requireRunId(runId);
    if (read(() -> ledger.run(runId)).isEmpty()) {
      throw new UnknownRunException(runId);
    }
    return read(() -> ledger.targets(runId)).stream()
        .filter(t -> state.isEmpty() || t.state() == state.get())
        .map(TargetView::of)
        .toList();
  }

  /**
   * Parses a {@code limit} query parameter: absent means the default, anything else must be 1..max.
   */
  public static int parseLimit(String raw, int defaultLimit, int max) {
    if (raw == null || raw.isBlank()) {
      return defaultLimit;
    }
    try {
      int limit = Integer.parseInt(raw.trim());
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidRequestException("limit must be an integer 1.." + max + ", got '" + raw + "'");
  }

  /** Parses a {@code state} query parameter; absent means every state. */
  public static Optional<TargetState> parseState(String raw) {
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(TargetState.fromWire(raw.trim()));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  static void requireRunId(String runId) {
    try {
      Ids.requireRunId(runId);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  private static <T> T read(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("cannot read the run ledger: " + e.getMessage(), e);
    }
  }
}
