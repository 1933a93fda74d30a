package dev.storagebuilder.producer.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.dlq.RedriveRequest.RunChoice;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedriveRequestTest {
  private static RedriveRequest parse(String json) throws Exception {
    JsonNode node = Json.mapper().readTree(json);
    return RedriveRequest.parse(node);
  }

  @Test
  void anEmptyObjectMeansEverythingIntoTheOriginalRuns() throws Exception {
    RedriveRequest request = parse("{}");
    assertThat(request).isEqualTo(new RedriveRequest(false, Optional.empty(), RunChoice.ORIGINAL));
    assertThat(request.isMoveAll()).isTrue();
  }

  @Test
  void parsesEveryField() throws Exception {
    RedriveRequest request =
        parse(
            "{\"dryRun\": true, \"run\": \"new\", \"filter\": {\"clientId\": \"a\", \"target\":"
                + " \"raw_data\", \"reason\": \"x\", \"olderThanSeconds\": 60}}");
    assertThat(request)
        .isEqualTo(
            new RedriveRequest(
                true, Optional.of(new RedriveFilter("a", "raw_data", "x", 60L)), RunChoice.NEW));
    assertThat(request.isMoveAll()).isFalse();
  }

  @Test
  void anAgeOfFourteenDaysIsTheLongestAndMatchesAMessageThatOld() throws Exception {
    RedriveRequest request = parse("{\"filter\": {\"olderThanSeconds\": 1209600}}");

    RedriveFilter filter = request.filter().orElseThrow();
    Instant now = Instant.parse("2026-03-15T00:00:00Z");
    DlqMessage fourteenDaysOld =
        DlqMessage.of("m1", null, "{}", null, null, now.minus(Duration.ofDays(14)), 1);
    DlqMessage younger =
        DlqMessage.of("m2", null, "{}", null, null, now.minus(Duration.ofDays(13)), 1);
    assertThat(filter.matches(fourteenDaysOld, now)).isTrue();
    assertThat(filter.matches(younger, now)).isFalse();
    assertThatThrownBy(() -> new RedriveFilter(null, null, null, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("filter.olderThanSeconds must be 0..1209600");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "`[]` | request body must be a JSON object",
        "`{\"dryrun\": true}` | unknown field 'dryrun'",
        "`{\"dryRun\": \"yes\"}` | dryRun must be true or false",
        "`{\"run\": \"old\"}` | run must be \"original\" or \"new\"",
        "`{\"run\": 1}` | run must be \"original\" or \"new\"",
        "`{\"filter\": \"a\"}` | filter must be an object",
        "`{\"filter\": {}}` | filter must name at least one of",
        "`{\"filter\": {\"client\": \"a\"}}` | filter: unknown field 'client'",
        "`{\"filter\": {\"clientId\": 5}}` | filter.clientId must be a non-empty string",
        "`{\"filter\": {\"reason\": \"\"}}` | filter.reason must be a non-empty string",
        "`{\"filter\": {\"olderThanSeconds\": -1}}` | filter.olderThanSeconds must be a whole"
            + " number 0..1209600",
        "`{\"filter\": {\"olderThanSeconds\": 1.5}}` | filter.olderThanSeconds must be a whole"
            + " number 0..1209600",
        "`{\"filter\": {\"olderThanSeconds\": \"60\"}}` | filter.olderThanSeconds must be a whole"
            + " number 0..1209600",
        "`{\"filter\": {\"olderThanSeconds\": 1209601}}` | filter.olderThanSeconds must be a whole"
            + " number 0..1209600 (14 days, the longest SQS keeps a message), got 1209601",
        "`{\"filter\": {\"olderThanSeconds\": 9223372036854775807}}` | filter.olderThanSeconds"
            + " must be a whole number 0..1209600",
      })
  void rejectsBadInput(String json, String message) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(message.strip());
  }
}
