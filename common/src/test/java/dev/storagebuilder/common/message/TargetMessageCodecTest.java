package dev.storagebuilder.common.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.InvalidMessageException.Reason;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TargetMessageCodecTest {
  private static final TargetMessage MESSAGE =
      TargetMessage.of("run-20260101T000000Z-abc123", new TargetRef("client-1", "entities"), SyncMode.FULL,
          Instant.parse("2026-01-01T00:00:00Z"));
  private static final String BODY = TargetMessageCodec.encode(MESSAGE);

  @Test
  void decodesWhatItEncodes() throws Exception {
    assertThat(TargetMessageCodec.decode(BODY)).isEqualTo(MESSAGE);
  }

  /** Read as version 1 before: canConvertToInt is true for any number in int range, and asInt truncates. */
  @Test
  void aSchemaVersionWithAFractionIsNotVersionOne() {
    String body = BODY.replace("\"schemaVersion\":1", "\"schemaVersion\":1.5");
    assertThat(body).contains("1.5");

    assertThatThrownBy(() -> TargetMessageCodec.decode(body))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_VERSION))
        .hasMessage("schemaVersion 1.5 is not supported (this worker reads 1)");
  }

  /** Jackson's tree reader stops after the first value and kept the last of duplicate fields. */
  @Test
  void aBodyWithMoreThanOneObjectOrADuplicateFieldIsMalformed() {
    assertThatThrownBy(() -> TargetMessageCodec.decode(BODY + BODY))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_JSON));
    String twoClients = BODY.replace("\"clientId\":\"client-1\"", "\"clientId\":\"client-1\",\"clientId\":\"client-2\"");
    assertThat(twoClients).contains("client-2");
    assertThatThrownBy(() -> TargetMessageCodec.decode(twoClients))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_JSON))
        .hasMessageContaining("clientId");
  }
}
