package dev.storagebuilder.common.testing;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** The workers' alive marks of an in-memory run ledger: each worker's latest one. Thread-safe. */
public final class WorkerMarks {
  private final Map<String, Instant> latest = new ConcurrentHashMap<>();

  public void mark(String workerId, Instant at) {
    latest.merge(workerId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** The workers whose latest mark is at or after {@code since}, in name order. */
  public Set<String> since(Instant since) {
    Set<String> workers = new TreeSet<>();
    latest.forEach((worker, at) -> {
      if (!at.isBefore(since)) {
        workers.add(worker);
      }
    });
    return workers;
  }
}
