package dev.storagebuilder.worker.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** SQS counts a message as its body's UTF-8 bytes plus each attribute's name, data type and value. */
class SqsMessageSizeTest {

  @Test
  void countsTheBodyAndEachAttributesNameTypeAndValueInUtf8Bytes() {
    SqsMessageSize message = new SqsMessageSize("{\"é\": 1}"); // 9 bytes: é is two
    assertThat(message.bytes()).isEqualTo(9);

    assertThat(message.add("sb-reason", "bad")).isTrue();
    assertThat(message.add("trace", "")).isTrue(); // sent as "-"

    // 9 + (9 + 6 + 3) + (5 + 6 + 1)
    assertThat(message.bytes()).isEqualTo(39);
    assertThat(message.attributes()).containsOnlyKeys("sb-reason", "trace");
    assertThat(message.attributes().get("trace").stringValue()).isEqualTo("-");
  }

  @Test
  void anAttributeThatWouldPassTheLimitIsNotAdded() {
    SqsMessageSize message = new SqsMessageSize("x".repeat(100), 130);

    assertThat(message.add("a", "y".repeat(24))).as("100 + 1 + 6 + 24 = 131").isFalse();
    assertThat(message.add("a", "y".repeat(23))).as("100 + 1 + 6 + 23 = 130").isTrue();

    assertThat(message.bytes()).isEqualTo(130);
    assertThat(message.attributes().get("a").stringValue()).hasSize(23);
  }

  @Test
  void noMoreThanTenAttributes() {
    SqsMessageSize message = new SqsMessageSize("{}");
    for (int i = 0; i < 10; i++) {
      assertThat(message.add("a" + i, "v")).isTrue();
    }
    assertThat(message.add("a10", "v")).isFalse();
    assertThat(message.attributes()).hasSize(10);
  }

  @Test
  void aCutValueTakesTheBytesLeftOnACharacterBoundary() {
    // 200 - 100 - (9 + 6) = 85 bytes for the value: 42 two-byte characters, not 42.5
    SqsMessageSize message = new SqsMessageSize("x".repeat(100), 200);

    assertThat(message.addCut("sb-detail", "é".repeat(1_000), 2_000)).isTrue();

    assertThat(message.attributes().get("sb-detail").stringValue()).isEqualTo("é".repeat(42));
    assertThat(message.bytes()).isEqualTo(199);
  }

  @Test
  void aCutValueKeepsToItsCharacterLimitWhenBytesAreLeft() {
    SqsMessageSize message = new SqsMessageSize("{}");

    assertThat(message.addCut("sb-detail", "d".repeat(5_000), 2_000)).isTrue();

    assertThat(message.attributes().get("sb-detail").stringValue()).hasSize(2_000);
    assertThat(message.bytes()).isEqualTo(2 + 9 + 6 + 2_000);
  }

  @Test
  void aCutValueIsLeftOutWhenNotOneCharacterFits() {
    SqsMessageSize message = new SqsMessageSize("x".repeat(100), 116);

    assertThat(message.addCut("sb-detail", "é", 2_000)).as("100 + 15 + 2 > 116").isFalse();

    assertThat(message.attributes()).isEmpty();
  }

  @Test
  void aBodyAtTheLimitTakesNoAttribute() {
    SqsMessageSize message = new SqsMessageSize("x".repeat(SqsMessageSize.MAX_BYTES));

    assertThat(message.add("sb-reason", "r")).isFalse();

    assertThat(message.attributes()).isEqualTo(Map.of());
    assertThat(message.bytes()).isEqualTo(SqsMessageSize.MAX_BYTES);
  }

  @Test
  void aSurrogatePairIsNeverSplit() {
    String emoji = "😀"; // four bytes, two chars
    assertThat(SqsMessageSize.prefixWithin(emoji + emoji, 7)).isEqualTo(emoji);
    assertThat(SqsMessageSize.prefixWithin(emoji, 3)).isEmpty();
  }
}
