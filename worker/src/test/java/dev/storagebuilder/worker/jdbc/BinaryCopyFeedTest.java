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
      assertThat(BinaryCopyFeed.storedUtf8(wire, BinaryCopyFeed.TEXT_OTHER)).isEqualTo(viaString);
    }
    assertThat(BinaryCopyFeed.storedUtf8(invalid, BinaryCopyFeed.TEXT_OTHER)).isNotEqualTo(invalid);
    byte[] ascii = "metric_7".getBytes(StandardCharsets.US_ASCII);
    assertThat(BinaryCopyFeed.storedUtf8(ascii, BinaryCopyFeed.TEXT_ASCII)).isSameAs(ascii);
  }
}
