package dev.storagebuilder.common.ledger;

import dev.storagebuilder.common.ids.TargetRef;
import java.time.Instant;

/**
 * One target's entry in a run.
 *
 * @param attempts deliveries that started work on the target (duplicates included)
 * @param lastError the most recent failure, or null
 * @param versionSequence the version committed by this run, 0 if none
 */
public record TargetProgress(
    TargetRef target,
    TargetState state,
    int attempts,
    String lastError,
    String workerId,
    long rows,
    long bytes,
    long durationMillis,
    long versionSequence,
    Instant updatedAt) {}
