package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.message.SyncMode;
import java.time.Instant;
import java.util.Objects;

/**
 * A run as requested: written once by the producer before its messages are sent.
 *
 * @param scope a short description of what was asked ("all", "clients:a,b", "targets:3")
 * @param totalTargets messages the run sends; targets without a ledger entry yet count as queued
 */
public record RunRecord(
    String runId, String scope, SyncMode mode, String requestedBy, Instant requestedAt, int totalTargets) {
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
