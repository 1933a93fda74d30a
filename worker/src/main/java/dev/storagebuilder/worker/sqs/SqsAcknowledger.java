package dev.storagebuilder.worker.sqs;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Maps outcomes onto SQS calls. Dead-lettering is done by the worker itself (send to the DLQ, then
 * delete) so the reason travels as message attributes; the queue's redrive policy stays the
 * backstop for messages whose worker died.
 */
public final class SqsAcknowledger implements Acknowledger {
  /** Message attribute names the DLQ tools read. */
  public static final String REASON = "sb-reason";

  public static final String DETAIL = "sb-detail";
  public static final String ORIGINAL_ID = "sb-original-message-id";
  public static final String RECEIVE_COUNT = "sb-receive-count";
  /** How many times a message was postponed (re-sent) because a dependency was down. */
  public static final String POSTPONED = "sb-postponed";
  private static final int SQS_MAX_DELAY_SECONDS = 900;
  private static final int MAX_DETAIL_CHARS = 2000;
  private static final int SQS_MAX_ATTRIBUTES = 10;

  private final SqsClient sqs;
  private final String queueUrl;
  private final String deadLetterQueueUrl;
  private final BatchingDeleter finished;

  public SqsAcknowledger(SqsClient sqs, String queueUrl, String deadLetterQueueUrl) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.deadLetterQueueUrl = deadLetterQueueUrl;
    this.finished = new BatchingDeleter(sqs, queueUrl);
  }

  /** Queued for a batched delete in the background (see {@link BatchingDeleter}). */
  @Override
  public void delete(ReceivedMessage message) {
    finished.delete(message.handle());
  }

  @Override
  public void flush() {
    finished.flush();
  }

  private void deleteNow(ReceivedMessage message) {
    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.handle()));
  }

  @Override
  public void retryAfter(ReceivedMessage message, Duration delay) {
    int seconds = (int) Math.min(Math.max(delay.toSeconds(), 0), 43_200);
    sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.handle()).visibilityTimeout(seconds));
  }

  @Override
  public void extend(ReceivedMessage message, Duration visibility) {
    int seconds = (int) Math.min(Math.max(visibility.toSeconds(), 1), 43_200);
    sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.handle()).visibilityTimeout(seconds));
  }

  /**
   * SQS counts every receive toward the redrive policy, and a visibility change cannot undo that;
   * so a postponed message is sent again as a fresh copy (receive count 1) with a delay, then the
   * original is deleted. If the delete fails the copy is a duplicate, which the run ledger and the
   * fenced commit already absorb. The copy keeps the message attributes and the MessageGroupId, so
   * on a fair queue a postponed target stays in its client's group.
   */
  @Override
  public void postpone(ReceivedMessage message, Duration delay) {
    Map<String, MessageAttributeValue> attributes = new HashMap<>();
    message.attributes().forEach((name, value) -> attributes.put(name, text(value)));
    if (attributes.containsKey(POSTPONED) || attributes.size() < SQS_MAX_ATTRIBUTES) {
      // The count is only informational: a message that already carries SQS's maximum of
      // attributes goes back without it rather than be refused.
      attributes.put(POSTPONED, text(String.valueOf(1 + postponedSoFar(message))));
    }
    int seconds = (int) Math.min(Math.max(delay.toSeconds(), 0), SQS_MAX_DELAY_SECONDS);
    sqs.sendMessage(
        b -> b.queueUrl(queueUrl)
            .messageBody(message.body())
            .delaySeconds(seconds)
            .messageAttributes(attributes)
            .messageGroupId(message.messageGroupId()));
    deleteNow(message);
  }

  /** The message's count of postponements; one that is not a count (not ours) starts again at 0. */
  private static long postponedSoFar(ReceivedMessage message) {
    try {
      return Math.clamp(Long.parseLong(message.attributes().getOrDefault(POSTPONED, "0")), 0, Integer.MAX_VALUE);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public void deadLetter(ReceivedMessage message, String reasonCode, String detail) {
    Map<String, MessageAttributeValue> attributes = new HashMap<>();
    attributes.put(REASON, text(reasonCode));
    attributes.put(ORIGINAL_ID, text(message.messageId()));
    attributes.put(RECEIVE_COUNT, text(String.valueOf(message.receiveCount())));
    // SQS refuses a message with more than ten attributes: the reason comes first, then as many of
    // the original's as fit (by name), and the detail names those left out.
    List<String> leftOut = new ArrayList<>();
    for (String name : new TreeSet<>(message.attributes().keySet())) {
      if (attributes.containsKey(name) || DETAIL.equals(name)) {
        continue;
      }
      if (attributes.size() + 1 < SQS_MAX_ATTRIBUTES) {
        attributes.put(name, text(message.attributes().get(name)));
      } else {
        leftOut.add(name);
      }
    }
    String shortDetail = detail == null ? "" : detail;
    if (!leftOut.isEmpty()) {
      shortDetail += " (message attributes left out: " + String.join(", ", leftOut) + ")";
    }
    attributes.put(DETAIL, text(shortDetail.length() > MAX_DETAIL_CHARS ? shortDetail.substring(0, MAX_DETAIL_CHARS) : shortDetail));
    // SQS rejects an empty body; a blank poison message still has to be kept for inspection.
    String body = message.body() == null || message.body().isEmpty() ? "<empty>" : message.body();
    // The group travels along so a redrive (a move task, or the producer's filtered one) puts the
    // message back into its client's group.
    sqs.sendMessage(
        b -> b.queueUrl(deadLetterQueueUrl)
            .messageBody(body)
            .messageAttributes(attributes)
            .messageGroupId(message.messageGroupId()));
    deleteNow(message);
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value.isEmpty() ? "-" : value).build();
  }
}
