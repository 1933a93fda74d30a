package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private static final TargetRef REF = new TargetRef("client-7", "all_types");

  @Test
  void roundTripsThroughJson() {
    Manifest manifest = manifest();

    byte[] json = ManifestCodec.encode(manifest);
    Manifest decoded = ManifestCodec.decode(json);

    assertThat(decoded).isEqualTo(manifest);
    assertThat(decoded.chainLength()).isEqualTo(2);
    assertThat(decoded.objects())
        .extracting(SnapshotObject::kind)
        .containsExactly(SnapshotKind.BASE, SnapshotKind.DELTA, SnapshotKind.DELTA);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .contains("\"schemaVersion\" : 4")
        .contains("\"keyIndex\" : \"k/base.keys\"")
        .contains("\"createdAt\" : \"2026-01-02T03:04:05Z\"")
        .contains("\"precision\" : 38");
  }

  @Test
  void unknownSchemaVersionIsRejectedClearly() {
    String json =
        new String(ManifestCodec.encode(manifest()), StandardCharsets.UTF_8)
            .replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 5");

    assertThatThrownBy(() -> ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessage(
            "manifest schemaVersion 5 is not supported (this build reads 1..4); upgrade the reader");
  }

  @Test
  void aVersionOneManifestWithoutKeyIndexesStillReads() {
    String json =
        new String(ManifestCodec.encode(manifest()), StandardCharsets.UTF_8)
            .replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 1")
            .replaceAll(",\\s*\"keyIndex\" : \"[^\"]*\"", "");

    Manifest decoded = ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(json).doesNotContain("keyIndex");
    assertThat(decoded.schemaVersion()).isEqualTo(1);
    assertThat(decoded.keyIndexed()).isFalse();
    assertThat(decoded.objects()).extracting(SnapshotObject::keyIndex).containsOnlyNulls();
    assertThat(decoded.withDelta(decoded.deltas().get(0), 4, 8, "00000000000000ff", "r", Instant.EPOCH).schemaVersion())
        .isEqualTo(Manifest.CURRENT_SCHEMA_VERSION);
  }

  @Test
  void aSmallKeyIndexTravelsInlineAndRoundTrips() throws Exception {
    byte[] sidecar = sidecarOf(2, 1);
    Manifest manifest = manifest();
    SnapshotObject inline =
        new SnapshotObject("k/d3", SnapshotKind.DELTA, 2, 80, 70, 80, "00000000000000bb", 1)
            .withInlineKeyIndex(sidecar);
    Manifest next = manifest.withDelta(inline, 4, 11, "00000000000000fe", "r", Instant.EPOCH);

    Manifest decoded = ManifestCodec.decode(ManifestCodec.encode(next));

    assertThat(decoded).isEqualTo(next);
    assertThat(decoded.keyIndexed()).isTrue();
    SnapshotObject last = decoded.deltas().get(2);
    assertThat(last.keyIndex()).isNull();
    assertThat(last.hasKeyIndex()).isTrue();
    assertThat(last.inlineKeyIndexBytes()).isEqualTo(sidecar);
    assertThat(decoded.inlineKeyIndexChars()).isEqualTo(last.keyIndexInline().length()).isPositive();
  }

  @Test
  void anInlineKeyIndexIsCheckedAgainstItsRecordsAndItsSchemaVersion() throws Exception {
    SnapshotObject delta =
        new SnapshotObject("k/d3", SnapshotKind.DELTA, 2, 80, 70, 80, "00000000000000bb", 1);
    assertThatThrownBy(() -> delta.withInlineKeyIndex(sidecarOf(2, 0)))
        .hasMessageContaining("keyIndexInline holds 94 bytes, 119 expected for 3 records");
    assertThatThrownBy(
            () -> new SnapshotObject("k/d3", SnapshotKind.DELTA, 2, 80, 70, 80, "00000000000000bb", 1, "k/d3.keys", "AAAA"))
        .hasMessageContaining("either stored (keyIndex) or inline, not both");

    String json =
        new String(
                ManifestCodec.encode(
                    manifest().withDelta(delta.withInlineKeyIndex(sidecarOf(2, 1)), 4, 11, "00000000000000fe", "r",
                        Instant.EPOCH)),
                StandardCharsets.UTF_8);
    String notBase64 = json.replaceAll("\"keyIndexInline\" : \"[^\"]*\"", "\"keyIndexInline\" : \"%%\"");
    assertThatThrownBy(() -> ManifestCodec.decode(notBase64.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("keyIndexInline is not base64");
    String versionTwo = json.replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 2");
    assertThatThrownBy(() -> ManifestCodec.decode(versionTwo.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("schemaVersion 2 cannot hold an inline key index (k/d3)");
  }

  /** A key index of {@code upserts} rows and {@code deletes} deletes, as a writer stores it. */
  private static byte[] sidecarOf(int upserts, int deletes) throws Exception {
    try (KeyIndexWriter writer = new KeyIndexWriter(false)) {
      for (int i = 0; i < upserts + deletes; i++) {
        writer.add(1000L + i, i < upserts ? 7L * i : 0, 60 + i, i >= upserts);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.writeTo(out);
      return out.toByteArray();
    }
  }

  @Test
  void malformedManifestsAreRejectedWithTheReason() {
    assertThatThrownBy(() -> ManifestCodec.decode("nope".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageStartingWith("manifest is not JSON");
    assertThatThrownBy(() -> ManifestCodec.decode("{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessage("manifest has no integer schemaVersion");
    String unknownField =
        new String(ManifestCodec.encode(manifest()), StandardCharsets.UTF_8)
            .replace("\"runId\"", "\"surprise\" : 1, \"runId\"");
    assertThatThrownBy(() -> ManifestCodec.decode(unknownField.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("surprise");
    String badChecksum =
        new String(ManifestCodec.encode(manifest()), StandardCharsets.UTF_8)
            .replace("\"contentChecksum\" : \"00000000000000ff\"", "\"contentChecksum\" : \"zz\"");
    assertThatThrownBy(() -> ManifestCodec.decode(badChecksum.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("16 hex digits");
  }

  @Test
  void aManifestMissingAPropertyTheWriterAlwaysWritesIsRejected() {
    assertRejected("(?s)\"deltas\" : \\[.*?\\} \\],", "", "deltas");
    assertRejected("\"watermark\" : 70,", "", "watermark");
    assertRejected("\"rowCount\" : 8,", "", "rowCount");
    assertRejected("\"rows\" : 10,", "", "rows");
    assertRejected(",\\s*\"nullable\" : false", "", "nullable");
  }

  @Test
  void numbersInAManifestAreWholeNonNullAndNotQuoted() {
    assertRejected("\"rowCount\" : 8", "\"rowCount\" : 8.9", "rowCount");
    assertRejected("\"rowCount\" : 8", "\"rowCount\" : 8.0", "rowCount");
    assertRejected("\"rowCount\" : 8", "\"rowCount\" : null", "rowCount");
    assertRejected("\"rows\" : 10", "\"rows\" : \"10\"", "rows");
    assertRejected("\"sequence\" : 3", "\"sequence\" : true", "sequence");
    assertRejected("\"kind\" : \"BASE\"", "\"kind\" : 0", "kind");
    assertRejected("\"runId\" : \"[^\"]*\"", "\"runId\" : 7", "runId");
    assertRejected("(?s)\"deltas\" : \\[.*?\\} \\],", "\"deltas\" : null,", "deltas");
  }

  @Test
  void aManifestWithAPropertyTwiceIsRejected() {
    String json = json(manifest()).replace("\"rowCount\" : 8,", "\"rowCount\" : 8, \"rowCount\" : 9,");

    assertThatThrownBy(() -> ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("Duplicate field 'rowCount'");
  }

  @Test
  void aVersionTwoManifestWithStoredKeyIndexesStillReads() {
    String json = json(manifest()).replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 2");

    Manifest decoded = ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(json).doesNotContain("keyIndexInline");
    assertThat(decoded.schemaVersion()).isEqualTo(2);
    assertThat(decoded.keyIndexed()).isTrue();
    assertThat(decoded.objects())
        .extracting(SnapshotObject::keyIndex)
        .containsExactly("k/base.keys", "k/d1.keys", "k/d2.keys");
  }

  @Test
  void retiredObjectsRoundTripAndAManifestThatRetiresNothingLeavesTheListOut() {
    Manifest retiring =
        manifest().withRetired(List.of(
            new RetiredObject("k/old-base", Instant.parse("2026-01-01T00:00:00Z")),
            new RetiredObject("k/old-manifest", Instant.parse("2026-01-02T03:04:05Z"))));

    Manifest decoded = ManifestCodec.decode(ManifestCodec.encode(retiring));

    assertThat(decoded).isEqualTo(retiring);
    assertThat(decoded.retired()).extracting(RetiredObject::key).containsExactly("k/old-base", "k/old-manifest");
    assertThat(json(retiring)).contains("\"retired\" : [").contains("\"retiredAt\" : \"2026-01-01T00:00:00Z\"");
    assertThat(json(manifest())).doesNotContain("retired");
    // Readers read what the manifest references, never what it retired.
    assertThat(decoded.objects()).extracting(SnapshotObject::key).containsExactly("k/base", "k/d1", "k/d2");
    assertThat(decoded.storedKeys())
        .containsExactly("k/base", "k/base.keys", "k/d1", "k/d1.keys", "k/d2", "k/d2.keys");
  }

  @Test
  void aVersionThreeManifestReadsWithNothingRetiredAndCannotListRetiredObjects() {
    String json = json(manifest()).replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 3");

    Manifest decoded = ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(decoded.schemaVersion()).isEqualTo(3);
    assertThat(decoded.retired()).isEmpty();
    String retiring = json(manifest().withRetired(List.of(new RetiredObject("k/old", Instant.EPOCH))))
        .replace("\"schemaVersion\" : 4", "\"schemaVersion\" : 3");
    assertThatThrownBy(() -> ManifestCodec.decode(retiring.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("schemaVersion 3 cannot list retired objects");
  }

  @Test
  void aRetiredObjectWithoutItsTimeIsRejected() {
    String json = json(manifest().withRetired(List.of(new RetiredObject("k/old", Instant.EPOCH))))
        .replaceFirst(",\\s*\"retiredAt\" : \"[^\"]*\"", "");

    assertThatThrownBy(() -> ManifestCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("retiredAt");
  }

  private static String json(Manifest manifest) {
    return new String(ManifestCodec.encode(manifest), StandardCharsets.UTF_8);
  }

  /** The manifest with the first match of {@code regex} replaced is rejected, naming {@code property}. */
  private static void assertRejected(String regex, String replacement, String property) {
    String json = json(manifest());
    String corrupt = json.replaceFirst(regex, replacement);
    assertThat(corrupt).as("the corruption applies").isNotEqualTo(json);
    assertThatThrownBy(
            () -> {
              Manifest accepted = ManifestCodec.decode(corrupt.getBytes(StandardCharsets.UTF_8));
              throw new AssertionError("accepted as " + accepted + " without " + regex);
            })
        .as(regex + " -> " + replacement)
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageStartingWith("manifest is invalid")
        .hasMessageContaining(property);
  }

  @Test
  void storageLayoutBuildsSortableKeysWithInjectedUuids() {
    StorageLayout layout = new StorageLayout("snapshots/", new SequentialUuids());

    assertThat(layout.baseKey(REF, 7))
        .isEqualTo(
            "snapshots/client-7/all_types/base-000000000007-00000000-0000-0000-0000-000000000001.parquet");
    assertThat(layout.deltaKey(REF, 12))
        .isEqualTo(
            "snapshots/client-7/all_types/delta-000000000012-00000000-0000-0000-0000-000000000002.parquet");
    assertThat(layout.manifestKey(REF, 123456789012L))
        .isEqualTo(
            "snapshots/client-7/all_types/manifest-123456789012-00000000-0000-0000-0000-000000000003.json");
    assertThat(layout.keyIndexKey(layout.baseKey(REF, 7)))
        .isEqualTo(
            "snapshots/client-7/all_types/base-000000000007-00000000-0000-0000-0000-000000000004.keys");
    assertThat(new StorageLayout("", new SequentialUuids()).targetPrefix(REF))
        .isEqualTo("client-7/all_types/");
    assertThat(StorageLayout.withRandom("p/", new SplittableRandom(1)).baseKey(REF, 1))
        .isEqualTo(StorageLayout.withRandom("p/", new SplittableRandom(1)).baseKey(REF, 1))
        .matches(
            "p/client-7/all_types/base-000000000001-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.parquet");
    assertThatThrownBy(() -> new StorageLayout("/abs/", UUID::randomUUID))
        .hasMessageContaining("prefix");
    assertThatThrownBy(() -> new StorageLayout("noslash", UUID::randomUUID))
        .hasMessageContaining("prefix");
  }

  private static Manifest manifest() {
    SnapshotObject base =
        new SnapshotObject("k/base", SnapshotKind.BASE, 10, 1000, 0, 50, "0123456789abcdef", 0)
            .withKeyIndex("k/base.keys");
    SnapshotObject first =
        new SnapshotObject("k/d1", SnapshotKind.DELTA, 2, 100, 50, 60, "00000000000000aa", 1)
            .withKeyIndex("k/d1.keys");
    SnapshotObject second =
        new SnapshotObject("k/d2", SnapshotKind.DELTA, 0, 90, 60, 70, "0000000000000000", 3)
            .withKeyIndex("k/d2.keys");
    return Manifest.of(
        REF,
        SnapshotFixtures.TARGET,
        3,
        70,
        base,
        List.of(first, second),
        8,
        "00000000000000ff",
        "run-20260102T030405Z-abcdef",
        Instant.parse("2026-01-02T03:04:05Z"));
  }

  private static final class SequentialUuids implements java.util.function.Supplier<UUID> {
    private long next;

    @Override
    public UUID get() {
      return new UUID(0, ++next);
    }
  }
}
