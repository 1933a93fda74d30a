package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetirementTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Duration GRACE = Duration.ofHours(6);

  @Test
  void aNewBaseRetiresThePreviousFilesTheirStoredSidecarsAndTheManifestAtItsCommitTime() {
    Manifest previous = manifest(List.of(), "k/base-1.keys", delta("k/delta-2", "k/delta-2.keys"),
        delta("k/delta-3", null));

    Retirement retirement = Retirement.of(previous, "k/manifest-3", Set.of("k/base-4", "k/base-4.keys"), NOW, GRACE);

    assertThat(retirement.retired()).containsExactly(
        new RetiredObject("k/base-1", NOW), new RetiredObject("k/base-1.keys", NOW),
        new RetiredObject("k/delta-2", NOW), new RetiredObject("k/delta-2.keys", NOW),
        new RetiredObject("k/delta-3", NOW), new RetiredObject("k/manifest-3", NOW));
    assertThat(retirement.due()).isEmpty();
  }

  @Test
  void aDeltaRetiresOnlyTheManifestItReplaces() {
    Manifest previous = manifest(List.of(), "k/base-1.keys", delta("k/delta-2", null));

    Retirement retirement = Retirement.of(previous, "k/manifest-2", withNext(previous, "k/delta-3"), NOW, GRACE);

    assertThat(retirement.retired()).containsExactly(new RetiredObject("k/manifest-2", NOW));
  }

  @Test
  void retiredObjectsWithinTheGraceAreCarriedForwardAndThoseAtOrPastItAreDueAndLeftOut() {
    RetiredObject past = new RetiredObject("k/old-base", NOW.minus(GRACE).minusSeconds(1));
    RetiredObject exactly = new RetiredObject("k/old-manifest", NOW.minus(GRACE));
    RetiredObject within = new RetiredObject("k/recent-manifest", NOW.minus(GRACE).plusSeconds(1));
    Manifest previous = manifest(List.of(past, exactly, within), null);

    Retirement retirement = Retirement.of(previous, "k/manifest-9", withNext(previous, "k/delta-10"), NOW, GRACE);

    assertThat(retirement.due()).containsExactly("k/old-base", "k/old-manifest");
    assertThat(retirement.retired()).containsExactly(within, new RetiredObject("k/manifest-9", NOW));
  }

  @Test
  void aZeroGraceMakesEveryRetiredObjectDueAtTheNextCommit() {
    Manifest previous = manifest(List.of(new RetiredObject("k/just-retired", NOW)), null);

    Retirement retirement = Retirement.of(previous, "k/manifest-2", withNext(previous, "k/delta-3"), NOW, Duration.ZERO);

    assertThat(retirement.due()).containsExactly("k/just-retired");
    assertThat(retirement.retired()).containsExactly(new RetiredObject("k/manifest-2", NOW));
  }

  @Test
  void anObjectTheNewVersionReferencesIsNeitherRetiredNorDeletedAndNoneIsListedTwice() {
    RetiredObject listedTwice = new RetiredObject("k/twice", NOW.minus(Duration.ofDays(1)));
    RetiredObject referencedAgain = new RetiredObject("k/base-1", NOW.minus(Duration.ofDays(1)));
    Manifest previous = manifest(List.of(listedTwice, listedTwice, referencedAgain), null);

    Retirement retirement = Retirement.of(previous, "k/manifest-2", withNext(previous, "k/delta-3"), NOW, GRACE);

    assertThat(retirement.due()).containsExactly("k/twice");
    assertThat(retirement.retired()).extracting(RetiredObject::key).containsExactly("k/manifest-2");
  }

  @Test
  void aPreviousManifestThatCannotBeReadRetiresOnlyItsOwnKey() {
    Retirement retirement = Retirement.of(null, "k/manifest-5", Set.of("k/base-6"), NOW, GRACE);

    assertThat(retirement.retired()).containsExactly(new RetiredObject("k/manifest-5", NOW));
    assertThat(retirement.due()).isEmpty();
  }

  private static Set<String> withNext(Manifest previous, String deltaKey) {
    return previous.withDelta(delta(deltaKey, null), previous.sequence() + 1, previous.rowCount(),
        previous.contentChecksum(), "run-next", NOW).storedKeys();
  }

  private static SnapshotObject delta(String key, String keyIndex) {
    SnapshotObject delta = new SnapshotObject(key, SnapshotKind.DELTA, 1, 100, 10, 20, "0000000000000001", 0);
    return keyIndex == null ? delta : delta.withKeyIndex(keyIndex);
  }

  private static Manifest manifest(List<RetiredObject> retired, String baseKeyIndex, SnapshotObject... deltas) {
    SnapshotObject base = new SnapshotObject("k/base-1", SnapshotKind.BASE, 10, 1000, 0, 10, "00000000000000aa", 0);
    if (baseKeyIndex != null) {
      base = base.withKeyIndex(baseKeyIndex);
    }
    return Manifest.of(new TargetRef("acme", "items"), ItemsOverS3.ITEMS, 1 + deltas.length, 20, base,
            List.of(deltas), 10, "00000000000000aa", "run-1", NOW.minus(Duration.ofDays(2)))
        .withRetired(retired);
  }
}
