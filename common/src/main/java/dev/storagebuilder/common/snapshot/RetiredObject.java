package dev.storagebuilder.common.snapshot;

import java.time.Instant;
import java.util.Objects;

/**
 * An object an earlier version of the target referenced and this one no longer does (a replaced
 * base, its deltas, their stored key index sidecars, a replaced manifest), or one of the target's
 * objects a sweep found that no version references or retires (superseded before manifests listed
 * retired objects, or left by an attempt killed before it committed). It is not deleted at
 * once: a reader that took the earlier version just before the commit may still be reading it by
 * key. The worker deletes it at the first commit of the target after the grace period, and until
 * then every new manifest lists it again. Readers ignore the list.
 *
 * @param key the object's key
 * @param retiredAt when it was retired: the commit time of the version that stopped referencing it
 */
public record RetiredObject(String key, Instant retiredAt) {
  public RetiredObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(retiredAt, "retiredAt");
  }
}
