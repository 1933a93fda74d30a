package dev.storagebuilder.worker.port;

import java.time.Duration;

/**
 * Whether a dependency every target needs is down (the source database's circuit breaker is open).
 * While paused the loop takes no new work, and targets failing meanwhile are postponed without
 * spending one of their deliveries: an outage is nobody's message's fault.
 */
public interface Backpressure {
  Backpressure NONE =
      new Backpressure() {
        @Override
        public boolean paused() {
          return false;
        }

        @Override
        public String reason() {
          return "";
        }

        @Override
        public Duration retryAfter() {
          return Duration.ZERO;
        }
      };

  /** True while work would only fail; may run a probe when it is time to check again. */
  boolean paused();

  /** Why, for logs. */
  String reason();

  /** How long to keep a postponed message away: about when a probe will next be tried. */
  Duration retryAfter();
}
