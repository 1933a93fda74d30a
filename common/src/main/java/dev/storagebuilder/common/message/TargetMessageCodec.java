package dev.storagebuilder.common.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.InvalidMessageException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Encodes and strictly decodes {@link TargetMessage} bodies; every rejection names its cause. */
public final class TargetMessageCodec {
  /**
   * Far below SQS's 256 KiB: a valid message is a few hundred bytes, so anything large is not ours.
   */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  /**
   * The shared mapper's tree reader, strict about what a body is: one JSON value and no duplicate
   * fields (Jackson reads the first value and ignores what follows it, and keeps the last of
   * duplicate fields, so two differing bodies decoded as one message).
   */
  private static final ObjectReader STRICT =
      Json.mapper().reader().with(
          DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private TargetMessageCodec() {}

  public static String encode(TargetMessage message) {
    ObjectNode node = Json.mapper().createObjectNode();
    node.put("schemaVersion", message.schemaVersion());
    node.put("runId", message.runId());
    node.put("clientId", message.clientId());
    node.put("target", message.target());
    node.put("mode", message.mode().wireName());
    node.put("requestedAt", message.requestedAt().toString());
    return node.toString();
  }

  public static TargetMessage decode(String body) throws InvalidMessageException {
    if (body == null || body.isBlank()) {
      throw new InvalidMessageException(Reason.MALFORMED_JSON, "message body is empty");
    }
    int size = body.getBytes(StandardCharsets.UTF_8).length;
    if (size > MAX_BODY_BYTES) {
      throw new InvalidMessageException(
          Reason.OVERSIZED, "message body is " + size + " bytes, limit " + MAX_BODY_BYTES);
    }
    JsonNode node;
    try {
      node = STRICT.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidMessageException(
          Reason.MALFORMED_JSON, "message body is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new InvalidMessageException(Reason.MALFORMED_JSON, "message body is not a JSON object");
    }
    JsonNode version = node.get("schemaVersion");
    if (version == null || version.isNull()) {
      throw new InvalidMessageException(Reason.MISSING_FIELD, "schemaVersion is missing");
    }
    // An integer: canConvertToInt holds for 1.5 too, which asInt would have truncated to 1.
    if (!version.isIntegralNumber() || !version.canConvertToInt()
        || version.intValue() != TargetMessage.CURRENT_SCHEMA_VERSION) {
      throw new InvalidMessageException(
          Reason.UNKNOWN_SCHEMA_VERSION,
          "schemaVersion " + version + " is not supported (this worker reads "
              + TargetMessage.CURRENT_SCHEMA_VERSION + ")");
    }
    String runId = text(node, "runId");
    String clientId = text(node, "clientId");
    String target = text(node, "target");
    String modeText = text(node, "mode");
    String requestedAtText = text(node, "requestedAt");
    try {
      Ids.requireRunId(runId);
      Ids.requireClientId(clientId);
      Ids.requireTargetName(target);
    } catch (IllegalArgumentException e) {
      throw new InvalidMessageException(Reason.INVALID_FIELD, e.getMessage());
    }
    SyncMode mode;
    try {
      mode = SyncMode.fromWire(modeText);
    } catch (IllegalArgumentException e) {
      throw new InvalidMessageException(Reason.INVALID_FIELD, e.getMessage());
    }
    Instant requestedAt;
    try {
      requestedAt = Instant.parse(requestedAtText);
    } catch (DateTimeParseException e) {
      throw new InvalidMessageException(
          Reason.INVALID_FIELD, "requestedAt must be an ISO-8601 instant, got '" + requestedAtText + "'");
    }
    return new TargetMessage(
        TargetMessage.CURRENT_SCHEMA_VERSION, runId, clientId, target, mode, requestedAt);
  }

  private static String text(JsonNode node, String field) throws InvalidMessageException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidMessageException(Reason.MISSING_FIELD, field + " is missing");
    }
    if (!value.isTextual()) {
      throw new InvalidMessageException(Reason.INVALID_FIELD, field + " must be a string");
    }
    return value.asText();
  }
}
