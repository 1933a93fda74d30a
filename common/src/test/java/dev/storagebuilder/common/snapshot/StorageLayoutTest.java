package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StorageLayoutTest {
  private static final UUID FIXED = UUID.fromString("00000000-0000-4000-8000-000000000001");

  @Test
  void keysSpellTheSequenceInAsciiDigitsWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      // Persian digits are the default locale's zero digit for %d there.
      Locale.setDefault(Locale.forLanguageTag("fa-IR"));
      StorageLayout layout = new StorageLayout(StorageLayout.DEFAULT_PREFIX, () -> FIXED);
      TargetRef ref = new TargetRef("acme", "raw_data");

      assertThat(layout.baseKey(ref, 42))
          .isEqualTo(layout.targetPrefix(ref) + "base-000000000042-" + FIXED + ".parquet");
      assertThat(layout.manifestKey(ref, 7)).contains("-000000000007-").matches("\\p{ASCII}+");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void aTargetOwnsOnlyTheKeysItsLayoutWritesDirectlyUnderItsOwnPrefix() {
    StorageLayout layout = new StorageLayout(StorageLayout.DEFAULT_PREFIX, () -> FIXED);
    TargetRef one = new TargetRef("1", "a");
    String base = layout.baseKey(one, 3);

    assertThat(layout.isObjectOf(one, base)).isTrue();
    assertThat(layout.isObjectOf(one, layout.keyIndexKey(base))).isTrue();
    assertThat(layout.isObjectOf(one, layout.keyIndexKey(layout.deltaKey(one, 4)))).isTrue();
    assertThat(layout.isObjectOf(one, layout.manifestKey(one, 4))).isTrue();
    // Neighbours whose prefix starts like this one's: client 10, target "ab".
    assertThat(layout.isObjectOf(one, layout.baseKey(new TargetRef("10", "a"), 3))).isFalse();
    assertThat(layout.isObjectOf(one, layout.baseKey(new TargetRef("1", "ab"), 3))).isFalse();
    assertThat(layout.isObjectOf(new TargetRef("1", "ab"), base)).isFalse();
    assertThat(layout.isObjectOf(new TargetRef("10", "a"), base)).isFalse();
    // Under the prefix but not of this layout's making: someone else's, never the worker's to remove.
    String prefix = layout.targetPrefix(one);
    assertThat(layout.isObjectOf(one, prefix + "notes.txt")).isFalse();
    assertThat(layout.isObjectOf(one, prefix + "sub/" + base.substring(prefix.length()))).isFalse();
    assertThat(layout.isObjectOf(one, prefix + "base-000000000003-" + FIXED + ".parquet.bak")).isFalse();
    assertThat(layout.isObjectOf(one, prefix + "manifest-000000000003-" + FIXED + ".parquet")).isFalse();
    assertThat(layout.isObjectOf(one, "other/" + base)).isFalse();
  }

  @Test
  void keysAWorkerWroteWithALocalesOwnDigitsAreTheTargetsToo() {
    StorageLayout layout = new StorageLayout(StorageLayout.DEFAULT_PREFIX, () -> FIXED);
    TargetRef ref = new TargetRef("acme", "raw_data");
    // Before keys were spelled in ASCII, a worker under fa-IR wrote its sequences in Persian digits.
    String persian = layout.targetPrefix(ref) + "base-\u06f0\u06f0\u06f0\u06f0\u06f0\u06f0\u06f0\u06f0\u06f0\u06f0\u06f4\u06f2-"
        + FIXED + ".parquet";

    assertThat(layout.isObjectOf(ref, persian)).isTrue();
  }
}
