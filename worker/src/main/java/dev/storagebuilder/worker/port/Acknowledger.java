package dev.storagebuilder.worker.port;

import java.time.Duration;

/** What happens to a message once its target has an outcome. */
public interface Acknowledger {
  /** The target is done (or was already done): the message must not be delivered again. */
  void delete(ReceivedMessage message);

  /** Deliver again after {@code delay} (0 releases it at once). */
  void retryAfter(ReceivedMessage message, Duration delay);

  /**
   * Keeps the message invisible for {@code visibility} more from now (the lease heartbeat). Throws
   * when the message is no longer ours (deleted, or its receipt handle expired and it was
   * redelivered), and when the queue could not be asked (throttled, unavailable): the heartbeat
   * tries the latter again while the message stays invisible.
   */
  void extend(ReceivedMessage message, Duration visibility);

  /**
   * Hands the message back to be delivered after {@code delay} without spending one of its
   * deliveries (the queue counts receives toward its redrive policy): a dependency outage must not
   * push healthy targets into the DLQ.
   */
  void postpone(ReceivedMessage message, Duration delay);

  /** The message can never succeed: move it to the dead-letter queue with its reason, then delete it. */
  void deadLetter(ReceivedMessage message, String reasonCode, String detail);

  /** Sends acknowledgements still queued (a {@link #delete} may be sent in the background). */
  default void flush() {}
}
