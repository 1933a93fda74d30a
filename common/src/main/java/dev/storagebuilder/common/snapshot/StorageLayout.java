package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

/**
 * Where a target's objects live: {@code
 * {prefix}{clientId}/{target}/base-{sequence}-{uuid}.parquet}, {@code delta-...parquet} and {@code
 * manifest-...json} (and each file's key index sidecar, {@code .keys} for {@code .parquet}), the
 * sequence zero-padded to 12 digits so keys sort by commit. Every commit
 * attempt writes under fresh keys (the uuid), so a losing or stale worker never overwrites an
 * object a committed manifest points at.
 */
public final class StorageLayout {
  public static final String DEFAULT_PREFIX = "snapshots/";
  private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  /** The names {@link #key} writes: files and their sidecars, and manifests. */
  private static final Pattern OWN_NAME = Pattern.compile(
      "(?:(?:base|delta)-\\p{Nd}{12}-" + UUID_PATTERN + "\\.(?:parquet|keys)|manifest-\\p{Nd}{12}-" + UUID_PATTERN
          + "\\.json)");

  private final String prefix;
  private final Supplier<UUID> uuids;

  /**
   * @param prefix empty, or ends with '/' and does not start with one
   * @param uuids the unique part of each key; inject a seeded source in tests
   */
  public StorageLayout(String prefix, Supplier<UUID> uuids) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(uuids, "uuids");
    if (!prefix.isEmpty() && (!prefix.endsWith("/") || prefix.startsWith("/"))) {
      throw new IllegalArgumentException(
          "snapshot key prefix must be empty or end with '/' and not start with one, got '"
              + prefix
              + "'");
    }
    this.prefix = prefix;
    this.uuids = uuids;
  }

  /** The default prefix with random UUIDs. */
  public static StorageLayout defaultLayout() {
    return new StorageLayout(DEFAULT_PREFIX, UUID::randomUUID);
  }

  /** Version-4 UUIDs drawn from {@code random} (seeded in tests). */
  public static StorageLayout withRandom(String prefix, RandomGenerator random) {
    return new StorageLayout(prefix, () -> randomUuid(random));
  }

  public String prefix() {
    return prefix;
  }

  /** Every object of the target lives under this prefix. */
  public String targetPrefix(TargetRef ref) {
    return prefix + ref.clientId() + "/" + ref.target() + "/";
  }

  /**
   * Whether {@code key} is one this layout writes for {@code ref}: a base, delta, sidecar or
   * manifest name directly under the target's own prefix. Ids hold no '/', and the prefix ends in
   * one, so a neighbour ("a" and "ab", client 1 and 10) never matches; nor does anything else a
   * person or tool put under the prefix, which is not the worker's to remove. Any decimal digits
   * count: a worker under a locale with digits of its own once wrote keys with them.
   */
  public boolean isObjectOf(TargetRef ref, String key) {
    String target = targetPrefix(ref);
    return key.startsWith(target) && OWN_NAME.matcher(key).region(target.length(), key.length()).matches();
  }

  public String baseKey(TargetRef ref, long sequence) {
    return key(ref, "base", sequence, ".parquet");
  }

  public String deltaKey(TargetRef ref, long sequence) {
    return key(ref, "delta", sequence, ".parquet");
  }

  public String manifestKey(TargetRef ref, long sequence) {
    return key(ref, "manifest", sequence, ".json");
  }

  /** The {@link KeyIndex} sidecar of a snapshot file: its key with {@code .keys} for {@code .parquet}. */
  public String keyIndexKey(String fileKey) {
    String stem = fileKey.endsWith(".parquet") ? fileKey.substring(0, fileKey.length() - ".parquet".length()) : fileKey;
    return stem + ".keys";
  }

  /** The key of a new file of this kind. */
  public String fileKey(TargetRef ref, SnapshotKind kind, long sequence) {
    return kind == SnapshotKind.BASE ? baseKey(ref, sequence) : deltaKey(ref, sequence);
  }

  private String key(TargetRef ref, String name, long sequence, String suffix) {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must be >= 0, got " + sequence);
    }
    return targetPrefix(ref)
        + name
        + "-"
        + String.format(Locale.ROOT, "%012d", sequence) // the default locale may have other digits
        + "-"
        + uuids.get()
        + suffix;
  }

  private static UUID randomUuid(RandomGenerator random) {
    long high = (random.nextLong() & ~0xf000L) | 0x4000L;
    long low = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(high, low);
  }
}
