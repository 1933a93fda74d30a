package dev.storagebuilder.producer.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.json.Json;
import java.time.Instant;

/**
 * A message in the dead-letter queue, with why it is there and, when its body can be read, which
 * run and target it belongs to.
 *
 * @param receiptHandle the handle of this receive (needed to delete or release it)
 * @param reason the {@code sb-reason} attribute the worker set when it dead-lettered the message,
 *     or {@link #REASON_MAX_RECEIVES} when there is none (the queue's redrive policy moved it after
 *     maxReceiveCount deliveries)
 * @param detail the {@code sb-detail} attribute, or null
 * @param runId the body's runId when the body is a JSON object with a string runId, else null (same
 *     for clientId and target)
 * @param sentAt SQS's SentTimestamp, or null if unknown: when the worker dead-lettered the message
 *     (it sends a fresh copy), but for one the redrive policy moved ({@link #REASON_MAX_RECEIVES})
 *     when it was first sent to the work queue, as SQS keeps that and records no time of the move
 * @param messageGroupId the message's group (the client id on a fair queue), or null; a redrive
 *     keeps it
 */
public record DlqMessage(
    String messageId,
    String receiptHandle,
    String body,
    String reason,
    String detail,
    String runId,
    String clientId,
    String target,
    Instant sentAt,
    int receiveCount,
    String messageGroupId) {

  public static final String REASON_ATTRIBUTE = "sb-reason";
  public static final String DETAIL_ATTRIBUTE = "sb-detail";
  public static final String REASON_MAX_RECEIVES = "max-receive-count";

  /** Builds a message without a message group; never fails on a malformed body. */
  public static DlqMessage of(
      String messageId,
      String receiptHandle,
      String body,
      String reasonAttribute,
      String detailAttribute,
      Instant sentAt,
      int receiveCount) {
    return of(messageId, receiptHandle, body, reasonAttribute, detailAttribute, sentAt, receiveCount, null);
  }

  /** Builds a message from what SQS returned; never fails on a malformed body. */
  public static DlqMessage of(
      String messageId,
      String receiptHandle,
      String body,
      String reasonAttribute,
      String detailAttribute,
      Instant sentAt,
      int receiveCount,
      String messageGroupId) {
    JsonNode node = null;
    try {
      node = body == null ? null : Json.mapper().readTree(body);
    } catch (Exception e) {
      // A malformed body is exactly what the DLQ is for; show it without parsed fields.
    }
    return new DlqMessage(
        messageId,
        receiptHandle,
        body,
        reasonAttribute == null || reasonAttribute.isBlank()
            ? REASON_MAX_RECEIVES
            : reasonAttribute,
        detailAttribute,
        text(node, "runId"),
        text(node, "clientId"),
        text(node, "target"),
        sentAt,
        receiveCount,
        messageGroupId);
  }

  public DlqMessage withReceiptHandle(String handle) {
    return new DlqMessage(
        messageId, handle, body, reason, detail, runId, clientId, target, sentAt, receiveCount,
        messageGroupId);
  }

  private static String text(JsonNode node, String field) {
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }
}
