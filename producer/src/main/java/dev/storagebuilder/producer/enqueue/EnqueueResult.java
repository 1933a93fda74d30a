package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.message.SyncMode;
import java.util.Optional;

/**
 * A started run.
 *
 * @param total messages the run needed
 * @param enqueued messages on the queue; {@code total - enqueued} failed and are recorded as such
 *     in the run's ledger
 * @param firstError why the first failed message failed, when any did
 */
public record EnqueueResult(
    String runId,
    String scope,
    SyncMode mode,
    int total,
    int enqueued,
    Optional<String> firstError) {
  public boolean complete() {
    return enqueued == total;
  }
}
