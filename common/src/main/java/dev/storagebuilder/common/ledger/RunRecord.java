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
 * @param reopenings how many writes went over a dead-lettered target entry of the run (a redrive,
 *     or a worker taking a redriven message): the only writes that change a finished run's counts,
 *     as a success is never overwritten. A reader may keep a finished run's counts while this
 *     stays the same; the ledger counts such a write at least once, after the entry's write.
 * @param reopeningInFlight whether a write over a dead-lettered entry was begun and not yet counted
 *     in {@code reopenings}: its writer is at it, or died or failed between the two. Its counts may
 *     change without {@code reopenings} changing, so a reader must not keep them.
 */
public record RunRecord(
    String runId,
    String scope,
    SyncMode mode,
    String requestedBy,
    Instant requestedAt,
    int totalTargets,
    boolean enqueueing,
    long reopenings,
    boolean reopeningInFlight) {
  /** A run with no write over a dead-lettered entry in flight. */
  public RunRecord(
      String runId,
      String scope,
      SyncMode mode,
      String requestedBy,
      Instant requestedAt,
      int totalTargets,
      boolean enqueueing,
      long reopenings) {
    this(runId, scope, mode, requestedBy, requestedAt, totalTargets, enqueueing, reopenings, false);
  }

  /** A run none of whose dead-lettered entries was written over. */
  public RunRecord(
      String runId,
      String scope,
      SyncMode mode,
      String requestedBy,
      Instant requestedAt,
      int totalTargets,
      boolean enqueueing) {
    this(runId, scope, mode, requestedBy, requestedAt, totalTargets, enqueueing, 0);
  }

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

  public RunRecord withEnqueueing(boolean stillEnqueueing) {
    return new RunRecord(
        runId, scope, mode, requestedBy, requestedAt, totalTargets, stillEnqueueing, reopenings, reopeningInFlight);
  }

  public RunRecord withReopenings(long count) {
    return new RunRecord(runId, scope, mode, requestedBy, requestedAt, totalTargets, enqueueing, count, reopeningInFlight);
  }

  public RunRecord withReopeningInFlight(boolean inFlight) {
    return new RunRecord(runId, scope, mode, requestedBy, requestedAt, totalTargets, enqueueing, reopenings, inFlight);
  }

  public RunRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(requestedAt, "requestedAt");
    if (totalTargets < 0) {
      throw new IllegalArgumentException("totalTargets must be >= 0");
    }
    if (reopenings < 0) {
      throw new IllegalArgumentException("reopenings must be >= 0, got " + reopenings);
    }
  }
}
