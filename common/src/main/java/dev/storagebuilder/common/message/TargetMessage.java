package dev.storagebuilder.common.message;

import dev.storagebuilder.common.ids.TargetRef;
import java.time.Instant;
import java.util.Objects;

/**
 * The one message the producer sends per client/target. It carries no row data: the worker reads the
 * source itself, so a message is small and a redelivery is always safe to run again.
 */
public record TargetMessage(
    int schemaVersion,
    String runId,
    String clientId,
    String target,
    SyncMode mode,
    Instant requestedAt) {

  /** The schema version this build writes; readers accept exactly the versions they know. */
  public static final int CURRENT_SCHEMA_VERSION = 1;

  public TargetMessage {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(requestedAt, "requestedAt");
  }

  public static TargetMessage of(String runId, TargetRef ref, SyncMode mode, Instant requestedAt) {
    return new TargetMessage(
        CURRENT_SCHEMA_VERSION, runId, ref.clientId(), ref.target(), mode, requestedAt);
  }

  public TargetRef targetRef() {
    return new TargetRef(clientId, target);
  }
}
