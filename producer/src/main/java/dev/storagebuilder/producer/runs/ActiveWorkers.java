package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ledger.RunLedger;
import java.time.Clock;
import java.time.Duration;

/**
 * How many workers are up: those that marked themselves alive in the run ledger within {@link
 * #WINDOW} (each does about once a minute). One query of a partition holding an item per worker;
 * it used to read every target entry of the five most recent runs on each refresh, 15 s apart.
 */
public final class ActiveWorkers {
  /** A few of the workers' one-minute marks, so one lost write does not drop a worker. */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  private final RunLedger ledger;
  private final Clock clock;

  public ActiveWorkers(RunLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  public int count() {
    return ledger.workersAliveSince(clock.instant().minus(WINDOW)).size();
  }
}
