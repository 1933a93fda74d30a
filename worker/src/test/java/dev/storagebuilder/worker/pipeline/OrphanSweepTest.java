package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.ListedObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class OrphanSweepTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Duration MIN_AGE = Duration.ofHours(6);
  private static final Instant OLD = NOW.minus(Duration.ofDays(30));
  private static final TargetRef ONE_A = new TargetRef("1", "a");
  private static final StorageLayout LAYOUT = StorageLayout.withRandom("snapshots/", new Random(11));
  private static final Predicate<String> OF_ONE_A = key -> LAYOUT.isObjectOf(ONE_A, key);

  @Test
  void aManifestWithoutRetiredListsIsSweptAtItsNextBuildWhateverTheSequence() {
    OrphanSweep sweep = OrphanSweep.DEFAULT;

    assertThat(sweep.dueAt(manifest(5, 3), 6)).isTrue();
    assertThat(sweep.dueAt(manifest(5, 1), 6)).isTrue();
    assertThat(sweep.dueAt(manifest(5, Manifest.CURRENT_SCHEMA_VERSION), 6)).isFalse();
  }

  @Test
  void aCurrentManifestIsSweptWhenTheNewSequencePassesAMultipleOfTheInterval() {
    OrphanSweep sweep = OrphanSweep.DEFAULT;
    int v = Manifest.CURRENT_SCHEMA_VERSION;

    assertThat(sweep.dueAt(manifest(31, v), 32)).isTrue();
    assertThat(sweep.dueAt(manifest(32, v), 33)).isFalse();
    assertThat(sweep.dueAt(manifest(33, v), 63)).isFalse();
    // 31 and 32 only moved the watermark (no manifest of their own): the next manifest sweeps.
    assertThat(sweep.dueAt(manifest(30, v), 33)).isTrue();
    assertThat(sweep.dueAt(manifest(40, v), 64)).isTrue();
  }

  @Test
  void anUnchangedSyncSweepsOnceTheLastCommitIsAsOldAsTheGraceAndAtLeastSixHours() {
    TargetVersion committed = new TargetVersion(ONE_A, 7, 70, "k/manifest-7", 10, "00", 0, "run-7", NOW);

    assertThat(OrphanSweep.idleLongEnough(committed, NOW.plus(MIN_AGE).minusSeconds(1), Duration.ZERO)).isFalse();
    assertThat(OrphanSweep.idleLongEnough(committed, NOW.plus(MIN_AGE), Duration.ZERO)).isTrue();
    assertThat(OrphanSweep.idleLongEnough(committed, NOW.plus(MIN_AGE), Duration.ofHours(24))).isFalse();
    assertThat(OrphanSweep.idleLongEnough(committed, NOW.plus(Duration.ofHours(24)), Duration.ofHours(24))).isTrue();
  }

  /**
   * An idle target's new version retires the manifest it replaces: one that only deleted its
   * predecessor's manifest would be followed by another every six hours, forever.
   */
  @Test
  void anIdleTargetsSweepIsWorthAVersionWhenItRetiresLeftoversOrDeletesMoreThanOneObject() {
    List<RetiredObject> replaced = List.of(new RetiredObject("k/manifest-7", NOW));

    assertThat(OrphanSweep.worthAVersion(new Retirement(replaced, List.of()))).isFalse();
    assertThat(OrphanSweep.worthAVersion(new Retirement(replaced, List.of("k/manifest-6")))).isFalse();
    assertThat(OrphanSweep.worthAVersion(new Retirement(replaced, List.of("k/manifest-6", "k/base-5")))).isTrue();
    assertThat(OrphanSweep.worthAVersion(
        new Retirement(replaced, List.of()).withSwept(List.of(new RetiredObject("k/base-2", NOW))))).isTrue();
  }

  @Test
  void onlyTheTargetsOwnOldObjectsThatNothingReferencesNorRetiresAreSwept() {
    String referenced = LAYOUT.baseKey(ONE_A, 40);
    String retired = LAYOUT.manifestKey(ONE_A, 39);
    String due = LAYOUT.manifestKey(ONE_A, 12);
    String preRelease = LAYOUT.baseKey(ONE_A, 3);
    String preReleaseSidecar = LAYOUT.keyIndexKey(preRelease);
    String crashOrphan = LAYOUT.deltaKey(ONE_A, 41);
    String exactlyOldEnough = LAYOUT.manifestKey(ONE_A, 41);
    String young = LAYOUT.baseKey(ONE_A, 42);
    List<ListedObject> listed = sorted(
        new ListedObject(referenced, OLD), new ListedObject(retired, OLD), new ListedObject(due, OLD),
        new ListedObject(preRelease, OLD), new ListedObject(preReleaseSidecar, OLD),
        new ListedObject(crashOrphan, NOW.minus(Duration.ofDays(1))),
        new ListedObject(exactlyOldEnough, NOW.minus(MIN_AGE)),
        new ListedObject(young, NOW.minus(MIN_AGE).plusSeconds(1)),
        // Neighbours a careless prefix match would take: client 10, target "ab".
        new ListedObject(LAYOUT.baseKey(new TargetRef("10", "a"), 3), OLD),
        new ListedObject(LAYOUT.baseKey(new TargetRef("1", "ab"), 3), OLD),
        // Under the prefix, but not a name the worker writes.
        new ListedObject(LAYOUT.targetPrefix(ONE_A) + "README.txt", OLD));

    List<RetiredObject> swept = OrphanSweep.DEFAULT.select(listed, OF_ONE_A, Set.of(referenced, retired, due), NOW,
        MIN_AGE, OrphanSweep.DEFAULT_MAX_OBJECTS);

    assertThat(swept).extracting(RetiredObject::key)
        .containsExactlyInAnyOrder(preRelease, preReleaseSidecar, crashOrphan, exactlyOldEnough);
    assertThat(swept).extracting(RetiredObject::key).isSorted();
    assertThat(swept).extracting(RetiredObject::retiredAt).containsOnly(NOW);
  }

  @Test
  void oneSweepRetiresAtMostItsLimitTheOldestSequencesFirst() {
    List<String> keys = new ArrayList<>();
    for (int sequence = 5; sequence >= 1; sequence--) {
      keys.add(LAYOUT.baseKey(ONE_A, sequence));
    }
    List<ListedObject> listed = sorted(keys.stream().map(k -> new ListedObject(k, OLD)).toArray(ListedObject[]::new));

    List<RetiredObject> swept = new OrphanSweep(32, 2).select(listed, OF_ONE_A, Set.of(), NOW, MIN_AGE, 2);

    assertThat(swept).extracting(RetiredObject::key).containsExactly(keys.get(4), keys.get(3));
  }

  @Test
  void aSweepFillsTheRetiredListUpToItsLimitAndNoFurther() {
    OrphanSweep sweep = new OrphanSweep(32, 4);
    List<ListedObject> listed = new ArrayList<>();
    for (int sequence = 1; sequence <= 6; sequence++) {
      listed.add(new ListedObject(LAYOUT.baseKey(ONE_A, sequence), OLD));
    }
    listed.sort(Comparator.comparing(ListedObject::key));

    assertThat(sweep.room(0)).isEqualTo(4);
    assertThat(sweep.room(3)).isEqualTo(1);
    assertThat(sweep.room(4)).isZero();
    assertThat(sweep.room(900)).isZero();
    assertThat(sweep.select(listed, OF_ONE_A, Set.of(), NOW, MIN_AGE, sweep.room(3))).hasSize(1);
    assertThat(sweep.select(listed, OF_ONE_A, Set.of(), NOW, MIN_AGE, 0)).isEmpty();
    assertThat(sweep.select(listed, OF_ONE_A, Set.of(), NOW, MIN_AGE, 100)).hasSize(4);
  }

  @Test
  void anObjectMustBeAsOldAsTheGraceAndNeverYoungerThanSixHours() {
    assertThat(OrphanSweep.minAge(Duration.ofHours(24))).isEqualTo(Duration.ofHours(24));
    assertThat(OrphanSweep.minAge(Duration.ofHours(6))).isEqualTo(Duration.ofHours(6));
    assertThat(OrphanSweep.minAge(Duration.ZERO)).isEqualTo(Duration.ofHours(6));
  }

  @Test
  void sweptObjectsJoinTheRetiredOnesAndNoneIsListedTwice() {
    Retirement retirement = new Retirement(List.of(new RetiredObject("k/manifest-2", NOW)), List.of("k/base-1"));
    RetiredObject orphan = new RetiredObject("k/delta-7", NOW);

    assertThat(retirement.withSwept(List.of(orphan)).retired())
        .containsExactly(new RetiredObject("k/manifest-2", NOW), orphan);
    assertThat(retirement.withSwept(List.of(orphan)).due()).containsExactly("k/base-1");
    assertThatThrownBy(() -> retirement.withSwept(List.of(new RetiredObject("k/base-1", NOW))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<ListedObject> sorted(ListedObject... objects) {
    List<ListedObject> listed = new ArrayList<>(List.of(objects));
    listed.sort(Comparator.comparing(ListedObject::key));
    return listed;
  }

  private static Manifest manifest(long sequence, int schemaVersion) {
    SnapshotObject base = new SnapshotObject("k/base-1", SnapshotKind.BASE, 10, 1000, 0, 10, "00000000000000aa", 0);
    Manifest current = Manifest.of(ONE_A, ItemsOverS3.ITEMS, sequence, 20, base, List.of(), 10, "00000000000000aa",
        "run-1", NOW.minus(Duration.ofDays(2)));
    return new Manifest(schemaVersion, current.clientId(), current.target(), current.sequence(),
        current.watermark(), current.columns(), current.keyColumns(), current.versionColumn(), current.base(),
        current.deltas(), current.rowCount(), current.contentChecksum(), current.runId(), current.createdAt(),
        List.of());
  }
}
