package dev.storagebuilder.worker.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What the queue adapter does with a message after its target ran. */
public sealed interface Outcome {
  /**
   * Finished (committed, or already committed by someone else): delete the message once {@code
   * recorded} completes, i.e. once the run ledger holds the success; if that fails, postpone it
   * (a fresh copy, no delivery spent), whose delivery records the success.
   */
  record Done(String summary, CompletionStage<Void> recorded) implements Outcome {
    /** Already in the run ledger, or nothing to record. */
    public static final CompletionStage<Void> RECORDED = CompletableFuture.completedStage(null);

    public Done(String summary) {
      this(summary, RECORDED);
    }
  }

  /** A transient failure: let the queue deliver it again later. */
  record RetryLater(String reason) implements Outcome {}

  /**
   * This worker lost the message (heartbeat failed, or released on shutdown) before committing:
   * touch neither the message nor the commit; whoever holds it now finishes it.
   */
  record Abandoned(String reason) implements Outcome {}

  /** A dependency is down (breaker open): try again after {@code delay}, not counted as a delivery. */
  record Postpone(String reason, java.time.Duration delay) implements Outcome {}

  /** Can never succeed: dead-letter it now with a reason code the DLQ tools group by. */
  record Reject(String reasonCode, String detail) implements Outcome {}
}
