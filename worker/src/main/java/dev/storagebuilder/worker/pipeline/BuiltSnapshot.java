package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.TargetVersion;

/** A snapshot whose objects and manifest are written but not yet committed. */
public record BuiltSnapshot(TargetVersion version, long rowsWritten, long bytesWritten) {}
