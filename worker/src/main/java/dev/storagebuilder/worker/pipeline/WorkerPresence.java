package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.RunLedger;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the run ledger this worker is up, soon after it starts and then every {@link #INTERVAL}:
 * the producer counts the fleet for its scaling signal from these marks, one small item per
 * worker, instead of reading every entry of the recent runs. A failed mark is only logged; the
 * next one replaces it.
 */
public final class WorkerPresence implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerPresence.class);
  /** Well inside the producer's window (5 minutes): a missed mark or two does not drop a worker. */
  public static final Duration INTERVAL = Duration.ofMinutes(1);
  /**
   * After the start-up, not during it: the mark is a DynamoDB client's first request (its classes,
   * its first connection), which on two cores would compete with the worker's way to its first
   * receive. A worker counts from its first seconds of work on.
   */
  public static final Duration FIRST_MARK = Duration.ofSeconds(10);

  private final RunLedger runs;
  private final String workerId;
  private final Clock clock;

  public WorkerPresence(RunLedger runs, String workerId, Clock clock) {
    this.runs = runs;
    this.workerId = workerId;
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      runs.markWorkerAlive(workerId, clock.instant());
    } catch (RuntimeException e) {
      log.warn("could not mark this worker alive in the run ledger (retried in {}): {}", INTERVAL, e.toString());
    }
  }
}
