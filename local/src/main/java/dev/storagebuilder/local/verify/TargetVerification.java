package dev.storagebuilder.local.verify;

import dev.storagebuilder.common.ids.TargetRef;

/**
 * One target's snapshot compared with its source.
 *
 * @param problem why it does not match, or null when it does
 */
public record TargetVerification(
    TargetRef target, long sourceRows, long snapshotRows, String sourceChecksum, String snapshotChecksum, String problem) {
  public boolean matches() {
    return problem == null;
  }
}
