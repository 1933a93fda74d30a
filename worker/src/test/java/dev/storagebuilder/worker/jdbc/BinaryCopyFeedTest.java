package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BinaryCopyFeedTest {
  @Test
  void asciiFindsANonAsciiByteAtEveryPositionOfEveryLengthAndOffset() {
    for (int offset = 0; offset < 9; offset++) {
      for (int length = 0; length <= 25; length++) {
        byte[] bytes = new byte[offset + length + 3];
        Arrays.fill(bytes, (byte) 'a');
        bytes[0] = (byte) 0xC3; // outside the range looked at
        bytes[bytes.length - 1] = (byte) 0xA9;
        assertThat(BinaryCopyFeed.ascii(bytes, offset + 1, length)).as("%d at %d", length, offset).isTrue();
        for (int at = 0; at < length; at++) {
          for (byte nonAscii : new byte[] {(byte) 0x80, (byte) 0xFF, (byte) 0xC3}) {
            byte[] copy = bytes.clone();
            copy[offset + 1 + at] = nonAscii;
            assertThat(BinaryCopyFeed.ascii(copy, offset + 1, length)).as("%d at %d, byte %d", length, offset, at)
                .isFalse();
          }
        }
      }
    }
  }

  @Test
  void storedUtf8IsWhatTheJdbcPathStoresEvenForBytesThatAreNotUtf8() {
    byte[] valid = "žluťoučký 😀".getBytes(StandardCharsets.UTF_8);
    byte[] invalid = {'a', (byte) 0xC3, 'b', (byte) 0xFF};
    for (byte[] wire : new byte[][] {valid, invalid}) {
      byte[] viaString = new String(wire, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
      assertThat(BinaryCopyFeed.storedUtf8(wire, kind(wire))).isEqualTo(viaString);
    }
    assertThat(BinaryCopyFeed.storedUtf8(valid, kind(valid))).as("well-formed UTF-8 is kept as it is").isSameAs(valid);
    assertThat(BinaryCopyFeed.storedUtf8(invalid, kind(invalid))).isNotEqualTo(invalid);
    byte[] ascii = "metric_7".getBytes(StandardCharsets.US_ASCII);
    assertThat(BinaryCopyFeed.storedUtf8(ascii, kind(ascii))).isSameAs(ascii);
  }

  @Test
  void wellFormedUtf8IsExactlyWhatTheRoundTripThroughStringKeeps() {
    // Edge cases first: overlongs, surrogates, past U+10FFFF, truncated sequences, lone continuations.
    byte[][] edges = {
      {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xC2, (byte) 0x80},
      {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF}, {(byte) 0xE0, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xED, (byte) 0x9F, (byte) 0xBF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF0, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
      {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0x80}, {'a', (byte) 0xBF},
    };
    for (byte[] wire : edges) {
      assertRoundTripAgrees(wire);
    }
    long seed = new java.util.SplittableRandom().nextLong();
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    // Random text made of code points from every UTF-8 length, some of it with bytes broken.
    for (int n = 0; n < 20_000; n++) {
      StringBuilder text = new StringBuilder();
      for (int c = random.nextInt(6); c >= 0; c--) {
        int[] bounds = {0x80, 0x800, 0x10000, 0x110000};
        int codePoint = random.nextInt(bounds[random.nextInt(4)]);
        if (codePoint < 0xD800 || codePoint > 0xDFFF) {
          text.appendCodePoint(codePoint);
        }
      }
      byte[] wire = text.toString().getBytes(StandardCharsets.UTF_8);
      if (wire.length > 0 && random.nextInt(3) == 0) {
        wire[random.nextInt(wire.length)] = (byte) random.nextInt(256);
      }
      assertRoundTripAgrees(wire);
    }
  }

  private static void assertRoundTripAgrees(byte[] wire) {
    byte[] viaString = new String(wire, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    assertThat(BinaryCopyFeed.wellFormedUtf8(wire, 0, wire.length))
        .as("%s", java.util.HexFormat.of().formatHex(wire))
        .isEqualTo(java.util.Arrays.equals(viaString, wire));
  }

  private static long kind(byte[] wire) {
    boolean asIs = BinaryCopyFeed.ascii(wire, 0, wire.length) || BinaryCopyFeed.wellFormedUtf8(wire, 0, wire.length);
    return asIs ? BinaryCopyFeed.TEXT_AS_IS : BinaryCopyFeed.TEXT_OTHER;
  }
}
