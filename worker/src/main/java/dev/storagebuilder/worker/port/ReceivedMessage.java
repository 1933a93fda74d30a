package dev.storagebuilder.worker.port;

import java.time.Instant;
import java.util.Map;

/**
 * A message as delivered by the queue.
 *
 * @param handle opaque token the acknowledger needs (an SQS receipt handle)
 * @param receiveCount how many times the queue has delivered it, this delivery included
 */
public record ReceivedMessage(
    String messageId, String body, String handle, int receiveCount, Map<String, String> attributes, Instant sentAt) {
  public ReceivedMessage {
    attributes = Map.copyOf(attributes);
  }
}
