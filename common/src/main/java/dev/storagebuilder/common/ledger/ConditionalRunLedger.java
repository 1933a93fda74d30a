package dev.storagebuilder.common.ledger;

/**
 * A run ledger that can also record an outcome conditionally. Only the producer's redrive needs
 * this, so the worker's wrappers of a ledger (metrics, retries) implement {@link RunLedger} alone.
 */
public interface ConditionalRunLedger extends RunLedger {
  /**
   * Records {@code progress} as {@link #markOutcome} does, but only while the target's entry is
   * still the one {@code seen} read (same state and updatedAt); returns whether it did. For a
   * writer that acts on what it read, such as a redrive marking a dead-lettered target queued
   * again: an outcome a worker recorded in between wins.
   */
  boolean markOutcomeIfUnchanged(String runId, TargetProgress seen, TargetProgress progress);
}
