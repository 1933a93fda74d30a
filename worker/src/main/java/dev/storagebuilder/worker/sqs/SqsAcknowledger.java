package dev.storagebuilder.worker.sqs;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import software.amazon.awssdk.services.sqs.SqsClient;

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
    SqsMessageSize copy = new SqsMessageSize(message.body());
    message.attributes().forEach((name, value) -> {
      if (!POSTPONED.equals(name)) {
        copy.add(name, value);
      }
    });
    // The count is only informational: a message that already carries SQS's maximum of attributes,
    // or whose size leaves no room for it, goes back without it rather than be refused.
    copy.add(POSTPONED, String.valueOf(1 + postponedSoFar(message)));
    int seconds = (int) Math.min(Math.max(delay.toSeconds(), 0), SQS_MAX_DELAY_SECONDS);
    sqs.sendMessage(
        b -> b.queueUrl(queueUrl)
            .messageBody(message.body())
            .delaySeconds(seconds)
            .messageAttributes(copy.attributes())
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
    // SQS rejects an empty body; a blank poison message still has to be kept for inspection.
    String body = message.body() == null || message.body().isEmpty() ? "<empty>" : message.body();
    // SQS refuses the whole send past ten attributes or past its size limit (body and attributes
    // together), and a refused dead letter comes back reasonless until the redrive policy moves
    // it. So the reason comes first, then as many of the original's attributes as fit (by name,
    // one place kept for the detail), then the detail, cut to the bytes left, naming those left out.
    SqsMessageSize dead = new SqsMessageSize(body);
    dead.add(REASON, reasonCode);
    dead.add(ORIGINAL_ID, message.messageId());
    dead.add(RECEIVE_COUNT, String.valueOf(message.receiveCount()));
    int detailBytes = SqsMessageSize.attributeBytes(DETAIL, "-");
    List<String> leftOut = new ArrayList<>();
    for (String name : new TreeSet<>(message.attributes().keySet())) {
      if (DETAIL.equals(name) || REASON.equals(name) || ORIGINAL_ID.equals(name) || RECEIVE_COUNT.equals(name)) {
        continue;
      }
      String value = message.attributes().get(name);
      boolean roomForDetail =
          dead.attributeCount() + 1 < SqsMessageSize.MAX_ATTRIBUTES
              && dead.bytes() + SqsMessageSize.attributeBytes(name, value.isEmpty() ? "-" : value) + detailBytes
                  <= SqsMessageSize.MAX_BYTES;
      if (!roomForDetail || !dead.add(name, value)) {
        leftOut.add(name);
      }
    }
    String fullDetail = detail == null ? "" : detail;
    if (!leftOut.isEmpty()) {
      fullDetail += " (message attributes left out: " + String.join(", ", leftOut) + ")";
    }
    dead.addCut(DETAIL, fullDetail, MAX_DETAIL_CHARS);
    // The group travels along so a redrive (a move task, or the producer's filtered one) puts the
    // message back into its client's group.
    sqs.sendMessage(
        b -> b.queueUrl(deadLetterQueueUrl)
            .messageBody(body)
            .messageAttributes(dead.attributes())
            .messageGroupId(message.messageGroupId()));
    deleteNow(message);
  }
}
