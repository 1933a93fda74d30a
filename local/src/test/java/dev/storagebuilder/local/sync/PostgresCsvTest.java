package dev.storagebuilder.local.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@code snapshot cat}'s CSV is diffed against {@code psql \copy}: ASCII digits whatever the locale. */
class PostgresCsvTest {
  @Test
  void fractionsAndExponentsAreAsciiUnderALocaleWithOtherDigits() {
    Locale before = Locale.getDefault();
    String timestamp;
    String small;
    try {
      Locale.setDefault(Locale.forLanguageTag("fa-IR"));
      timestamp = PostgresCsv.text(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 120_000_000));
      small = PostgresCsv.text(1.5e-7);
    } finally {
      Locale.setDefault(before);
    }
    assertThat(timestamp).isEqualTo("2024-01-02 03:04:05.12");
    assertThat(small).isEqualTo("1.5e-07");
  }
}
