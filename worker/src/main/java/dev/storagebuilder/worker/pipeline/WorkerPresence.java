package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.RunLedger;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the run ledger this worker is up, at start and then every {@link #INTERVAL}: the producer
 * counts the fleet for its scaling signal from these marks, one small item per worker, instead of
 * reading every entry of the recent runs. A failed mark is only logged; the next one replaces it.
 */
public final class WorkerPresence implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerPresence.class);
  /** Well inside the producer's window (ActiveWorkers.WINDOW, 5 minutes): a missed mark or two does not drop a worker. */
  public static final Duration INTERVAL = Duration.ofMinutes(1);

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
