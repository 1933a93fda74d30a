package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.message.SyncMode;
import java.util.Objects;

/** A validated request to start a run; {@code requestedBy} says which route or tool asked. */
public record RunRequest(RunScope scope, SyncMode mode, String requestedBy) {
  public RunRequest {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(requestedBy, "requestedBy");
  }
}
