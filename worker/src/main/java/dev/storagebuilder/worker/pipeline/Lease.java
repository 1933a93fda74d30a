package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.worker.port.ReceivedMessage;
import java.util.Optional;

/**
 * This worker's hold on one message while its target runs. Once lost (the heartbeat failed, or the
 * worker released the message on shutdown) the target must not commit and the message must not be
 * acknowledged: another delivery owns it now.
 */
public interface Lease {
  ReceivedMessage message();

  /** Why the lease was lost, or empty while this worker still holds the message. */
  Optional<String> lostReason();

  default boolean isLost() {
    return lostReason().isPresent();
  }

  /**
   * Runs {@code renewal} at every heartbeat while the lease is held, after the message's own
   * extension: something leased for as long as the target runs (its source slot) lives exactly as
   * long as the message does. Failures of {@code renewal} are logged and do not lose the lease.
   * A lease without a heartbeat ignores it.
   */
  default void renewAlongside(Runnable renewal) {}

  /** A lease that is never lost: for callers without a queue (tests, one-off runs). */
  static Lease unbounded(ReceivedMessage message) {
    return new Lease() {
      @Override
      public ReceivedMessage message() {
        return message;
      }

      @Override
      public Optional<String> lostReason() {
        return Optional.empty();
      }
    };
  }
}
