package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.storage.ListedObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds the objects of a target that no manifest lists as retired, so no commit would ever delete
 * them: what versions superseded before manifests listed retired objects (schema 3 and older)
 * referenced, and what attempts killed between their uploads and their commit or clean-up left. A
 * sweep lists the target's prefix once and hands such objects to {@link Retirement} as retired now:
 * the usual grace and the usual winner-only deletion apply, and a losing attempt's sweep deletes
 * nothing.
 *
 * <p>A sweep runs when the current manifest predates retired lists (once: its successor lists
 * them), and otherwise when a new manifest's sequence passes a multiple of {@code everySequences}
 * since the current manifest's (a version that only moved the watermark writes no manifest, so an
 * exact multiple may never be built). One LIST per sweep; a build without one lists nothing.
 *
 * <p>A target whose syncs find nothing to change writes no manifest, so no build would ever sweep
 * it: an unchanged sync sweeps once the target has been idle for {@link #minAge} (every object its
 * last commit retired is due then, and every leftover from before it old enough), and commits a new
 * manifest of the same files when that is {@link #worthAVersion}. One that finds nothing commits
 * nothing, and its worker leaves the target be for {@link #IDLE_RECHECK} (the next commit would
 * have to come from a change, which makes the target busy again).
 *
 * @param everySequences sequences between periodic sweeps of a target
 * @param maxObjects the longest retired list a sweep may leave (it retires the oldest keys first,
 *     and nothing when the list is that long already): the manifests carry what it retires for the
 *     whole grace, over which several sweeps may come, and the winner of the commit after the grace
 *     deletes them, so a target with years of leftovers sheds them over many sweeps rather than in
 *     huge manifests and one long commit
 */
public record OrphanSweep(int everySequences, int maxObjects) {
  static final int DEFAULT_EVERY_SEQUENCES = 32;
  static final int DEFAULT_MAX_OBJECTS = 1000;
  static final OrphanSweep DEFAULT = new OrphanSweep(DEFAULT_EVERY_SEQUENCES, DEFAULT_MAX_OBJECTS);
  /**
   * The youngest an object may be to be swept, whatever the grace: longer than a build takes from
   * its first upload (a multipart upload's LastModified is when it began) to its commit, and than
   * any skew between S3's clock and the worker's. Correctness does not rest on it (an attempt still
   * in flight commits on top of the same version as the sweeping one, so at most one of them wins,
   * and a loser's manifest deletes nothing), but a sweep has no business with fresh objects.
   */
  static final Duration MIN_AGE = Duration.ofHours(6);
  /**
   * How long a worker whose sweep of an idle target found nothing worth a version leaves it be: what
   * may still come (an attempt killed after the last commit, found too young then) waits a day,
   * while a fleet of W workers lists an idle target at most W times a day.
   */
  static final Duration IDLE_RECHECK = Duration.ofDays(1);

  public OrphanSweep {
    if (everySequences < 1) {
      throw new IllegalArgumentException("orphan sweep interval must be >= 1 sequence, got " + everySequences);
    }
    if (maxObjects < 1) {
      throw new IllegalArgumentException("orphan sweep must retire >= 1 object, got " + maxObjects);
    }
  }

  /**
   * Whether the build of {@code nextSequence} on top of {@code current} sweeps.
   *
   * @param current the manifest the new one replaces (its sequence is the one it was committed as)
   */
  boolean dueAt(Manifest current, long nextSequence) {
    return current.schemaVersion() < Manifest.RETIRED_OBJECTS_SCHEMA_VERSION
        || nextSequence / everySequences > current.sequence() / everySequences;
  }

  /**
   * Whether an unchanged sync of {@code current} sweeps: its last commit is at least {@link #minAge}
   * old, so every object that commit's manifest lists as retired is due (retired at or before it),
   * and every leftover of the attempts before it is old enough to be swept.
   */
  static boolean idleLongEnough(TargetVersion current, Instant now, Duration grace) {
    return !now.isBefore(current.committedAt().plus(minAge(grace)));
  }

  /**
   * Whether an idle target's sweep is worth a new version: it found leftovers to retire, or the
   * version deletes more than one object. Such a version retires the manifest it replaces and stores
   * one of its own, so one that deleted only its predecessor's manifest would be followed by another
   * such version every {@link #minAge}, forever.
   */
  static boolean worthAVersion(Retirement retirement) {
    return retirement.swept() > 0 || retirement.due().size() > 1;
  }

  /** The age an object must have to be swept: the retired-object grace, or {@link #MIN_AGE} if longer. */
  static Duration minAge(Duration grace) {
    return grace.compareTo(MIN_AGE) > 0 ? grace : MIN_AGE;
  }

  /**
   * How many objects a sweep may retire on top of {@code retired} the new manifest lists already
   * (those retired by earlier sweeps within the grace among them); 0: do not sweep.
   */
  int room(int retired) {
    return Math.max(0, maxObjects - retired);
  }

  /**
   * The listed objects to retire now: the target's own ({@code ownedByTarget}), not {@code kept},
   * and stored at least {@code minAge} before {@code now}, in key order (oldest sequence first), at
   * most {@code room}.
   *
   * @param kept what the new and the current manifest reference (with their own keys), what the new
   *     one already lists as retired and what its commit deletes
   * @param minAge {@link #minAge}: a younger object may be an attempt's still in flight
   * @param room {@link #room}
   */
  List<RetiredObject> select(
      List<ListedObject> listed, Predicate<String> ownedByTarget, Set<String> kept, Instant now, Duration minAge,
      int room) {
    Picker picker = picker(ownedByTarget, kept, now, minAge, room);
    for (ListedObject object : listed) {
      if (!picker.offer(object)) {
        break;
      }
    }
    return picker.swept();
  }

  /** {@link #select} over a listing as it comes in ({@link dev.storagebuilder.common.storage.ObjectStore#forEachObject}). */
  Picker picker(Predicate<String> ownedByTarget, Set<String> kept, Instant now, Duration minAge, int room) {
    return new Picker(ownedByTarget, kept, now, now.minus(minAge), Math.min(room, maxObjects));
  }

  /** Takes the listed objects to retire until it has {@code limit} of them. */
  static final class Picker {
    private final Predicate<String> ownedByTarget;
    private final Set<String> kept;
    private final Instant now;
    private final Instant storedBy;
    private final int limit;
    private final List<RetiredObject> swept = new ArrayList<>();
    private int offered;

    private Picker(Predicate<String> ownedByTarget, Set<String> kept, Instant now, Instant storedBy, int limit) {
      this.ownedByTarget = ownedByTarget;
      this.kept = kept;
      this.now = now;
      this.storedBy = storedBy;
      this.limit = limit;
    }

    /** Considers the next listed object; false once no more are wanted. */
    boolean offer(ListedObject object) {
      if (swept.size() >= limit) {
        return false;
      }
      offered++;
      if (ownedByTarget.test(object.key())
          && !kept.contains(object.key())
          && !object.lastModified().isAfter(storedBy)) {
        swept.add(new RetiredObject(object.key(), now));
      }
      return swept.size() < limit;
    }

    List<RetiredObject> swept() {
      return List.copyOf(swept);
    }

    /** Objects looked at so far. */
    int offered() {
      return offered;
    }
  }

}
