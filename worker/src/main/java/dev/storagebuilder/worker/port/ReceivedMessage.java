package dev.storagebuilder.worker.port;

import java.time.Instant;
import java.util.Map;

/**
 * A message as delivered by the queue.
 *
 * @param handle opaque token the acknowledger needs (an SQS receipt handle)
 * @param receiveCount how many times the queue has delivered it, this delivery included
 * @param messageGroupId the queue's message group (the client id on a fair queue), or null; a copy
 *     the worker sends (postponed, dead-lettered) keeps it
 */
public record ReceivedMessage(
    String messageId,
    String body,
    String handle,
    int receiveCount,
    Map<String, String> attributes,
    Instant sentAt,
    String messageGroupId) {
  public ReceivedMessage {
    attributes = Map.copyOf(attributes);
  }

  /** A message without a message group. */
  public ReceivedMessage(
      String messageId, String body, String handle, int receiveCount, Map<String, String> attributes, Instant sentAt) {
    this(messageId, body, handle, receiveCount, attributes, sentAt, null);
  }
}
