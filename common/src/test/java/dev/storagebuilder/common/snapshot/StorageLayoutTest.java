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
}
