package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.message.SyncMode;
import java.time.Instant;
import java.util.Objects;

/**
 * A run as requested: written once by the producer before its messages are sent.
 *
 * @param scope a short description of what was asked ("all", "clients:a,b", "targets:3")
 * @param totalTargets messages the run sends; targets without a ledger entry yet count as queued
 * @param enqueueing whether the producer is still sending the run's messages: true from {@link
 *     RunLedger#createRun} until {@link RunLedger#markRunSent}. A producer that dies in between
 *     leaves it true for good, and {@link RunStatus} then fails the run after {@link
 *     RunStatus#ENQUEUE_DEADLINE}: the targets it never sent would otherwise count as queued forever.
 */
public record RunRecord(
    String runId,
    String scope,
    SyncMode mode,
    String requestedBy,
    Instant requestedAt,
    int totalTargets,
    boolean enqueueing) {
  /**
   * A run whose messages were all sent (or recorded unsent): how a run recorded before {@code
   * enqueueing} existed reads.
   */
  public RunRecord(
      String runId,
      String scope,
      SyncMode mode,
      String requestedBy,
      Instant requestedAt,
      int totalTargets) {
    this(runId, scope, mode, requestedBy, requestedAt, totalTargets, false);
  }

  public RunRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(requestedAt, "requestedAt");
    if (totalTargets < 0) {
      throw new IllegalArgumentException("totalTargets must be >= 0");
    }
  }
}
