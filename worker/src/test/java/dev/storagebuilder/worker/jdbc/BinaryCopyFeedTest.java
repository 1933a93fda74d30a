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
  void storedTextIsWhatTheJdbcPathStoresEvenForBytesThatAreNotUtf8() {
    byte[] valid = "žluťoučký 😀".getBytes(StandardCharsets.UTF_8);
    byte[] invalid = {'a', (byte) 0xC3, 'b', (byte) 0xFF};
    byte[] ascii = "metric_7".getBytes(StandardCharsets.US_ASCII);
    for (byte[] value : new byte[][] {valid, invalid, ascii, {}}) {
      // The value sits inside a larger message, as it does in the driver's array.
      byte[] message = new byte[value.length + 7];
      java.util.Arrays.fill(message, (byte) 0xFF);
      System.arraycopy(value, 0, message, 3, value.length);
      long slot = slot(message, 3, value.length);
      byte[] viaString = new String(value, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
      assertThat(BinaryCopyFeed.text(message, slot)).isEqualTo(new String(value, StandardCharsets.UTF_8));
      byte[] stored = BinaryCopyFeed.textAsIs(slot)
          ? java.util.Arrays.copyOfRange(message, BinaryCopyFeed.textOffset(slot),
              BinaryCopyFeed.textOffset(slot) + BinaryCopyFeed.textLength(slot))
          : BinaryCopyFeed.reencoded(message, slot);
      assertThat(stored).isEqualTo(viaString);
    }
    assertThat(BinaryCopyFeed.textAsIs(slot(valid, 0, valid.length))).as("well-formed UTF-8 is kept as it is").isTrue();
    assertThat(BinaryCopyFeed.textAsIs(slot(ascii, 0, ascii.length))).isTrue();
    assertThat(BinaryCopyFeed.textAsIs(slot(invalid, 0, invalid.length))).isFalse();
  }

  @Test
  void aTextSlotHoldsOffsetsAndLengthsUpToPostgresqlsLimit() {
    int gib = 1 << 30; // PostgreSQL's largest field
    for (int[] at : new int[][] {{0, 0}, {1, 2}, {gib, gib}, {Integer.MAX_VALUE, Integer.MAX_VALUE}}) {
      for (boolean asIs : new boolean[] {true, false}) {
        long slot = BinaryCopyFeed.textSlot(at[0], at[1], asIs);
        assertThat(BinaryCopyFeed.textOffset(slot)).isEqualTo(at[0]);
        assertThat(BinaryCopyFeed.textLength(slot)).isEqualTo(at[1]);
        assertThat(BinaryCopyFeed.textAsIs(slot)).isEqualTo(asIs);
      }
    }
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

  private static long slot(byte[] message, int offset, int length) {
    boolean asIs = BinaryCopyFeed.ascii(message, offset, length) || BinaryCopyFeed.wellFormedUtf8(message, offset, length);
    return BinaryCopyFeed.textSlot(offset, length, asIs);
  }
}
