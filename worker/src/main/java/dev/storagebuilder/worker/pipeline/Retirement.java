package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.RetiredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a new manifest does with the objects the target's earlier versions no longer reference:
 * which it lists as retired (the previous version's objects it drops, and older retired ones still
 * within the grace period) and which are due for deletion once it is committed (retired ones whose
 * grace is over, left out of the new manifest). Deleting only after the commit, and only by its
 * winner, means a losing attempt deletes nothing another version may still list.
 *
 * @param retired what the new manifest lists as retired
 * @param due keys to delete once the new version is committed
 * @param swept how many of {@code retired} a sweep found ({@link #withSwept})
 */
record Retirement(List<RetiredObject> retired, List<String> due, int swept) {
  /**
   * Readers take the version record, then the manifest, then the files by key: 6 h covers a
   * reader that holds a version for the length of a long export of it, where a deleted object would
   * be a 404 mid-read.
   */
  static final Duration DEFAULT_GRACE = Duration.ofHours(6);

  static final Retirement NONE = new Retirement(List.of(), List.of());

  Retirement {
    retired = List.copyOf(retired);
    due = List.copyOf(due);
  }

  /** A retirement without swept objects. */
  Retirement(List<RetiredObject> retired, List<String> due) {
    this(retired, due, 0);
  }

  /**
   * @param previous the manifest of the version the new one replaces; null when it could not be
   *     read (then only its own key is retired: its files and retired list are unknown and leak)
   * @param previousManifestKey the key the previous version record holds
   * @param nextKeys what the new manifest references ({@link Manifest#storedKeys()}), never retired
   * @param now the new version's commit time, recorded as the retirement time
   */
  static Retirement of(
      Manifest previous, String previousManifestKey, Set<String> nextKeys, Instant now, Duration grace) {
    Objects.requireNonNull(previousManifestKey, "previousManifestKey");
    List<RetiredObject> retired = new ArrayList<>();
    List<String> due = new ArrayList<>();
    Set<String> listed = new LinkedHashSet<>();
    if (previous != null) {
      for (RetiredObject object : previous.retired()) {
        if (nextKeys.contains(object.key()) || !listed.add(object.key())) {
          continue; // referenced again (never by this layout's fresh keys), or listed twice
        }
        if (isDue(object, now, grace)) {
          due.add(object.key());
        } else {
          retired.add(object);
        }
      }
    }
    Set<String> dropped = new LinkedHashSet<>();
    if (previous != null) {
      dropped.addAll(previous.storedKeys());
    }
    dropped.add(previousManifestKey);
    for (String key : dropped) {
      if (!nextKeys.contains(key) && listed.add(key)) {
        retired.add(new RetiredObject(key, now));
      }
    }
    return new Retirement(retired, due);
  }

  /**
   * This retirement with {@code swept} ({@link OrphanSweep}) retired too; none of them may be among
   * those it already lists or deletes.
   */
  Retirement withSwept(List<RetiredObject> swept) {
    if (swept.isEmpty()) {
      return this;
    }
    Set<String> accounted = keys();
    List<RetiredObject> all = new ArrayList<>(retired);
    for (RetiredObject object : swept) {
      if (!accounted.add(object.key())) {
        throw new IllegalArgumentException(object.key() + " is retired or due already");
      }
      all.add(object);
    }
    return new Retirement(all, due, this.swept + swept.size());
  }

  /** Every key this retirement lists or deletes. */
  Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>(due);
    for (RetiredObject object : retired) {
      keys.add(object.key());
    }
    return keys;
  }

  /** Whether the grace of {@code object} is over at {@code now} (a zero grace: at once). */
  static boolean isDue(RetiredObject object, Instant now, Duration grace) {
    return !object.retiredAt().plus(grace).isAfter(now);
  }
}
