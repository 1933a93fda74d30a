package dev.storagebuilder.worker.sqs;

import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/** Long-polls the work queue. */
public final class SqsMessageSource implements MessageSource {
  private final SqsClient sqs;
  private final String queueUrl;
  private final Duration visibilityTimeout;

  public SqsMessageSource(SqsClient sqs, String queueUrl, Duration visibilityTimeout) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.visibilityTimeout = visibilityTimeout;
  }

  @Override
  public List<ReceivedMessage> receive(int max, Duration wait) {
    ReceiveMessageRequest request =
        ReceiveMessageRequest.builder()
            .queueUrl(queueUrl)
            .maxNumberOfMessages(max)
            .waitTimeSeconds((int) wait.toSeconds())
            .visibilityTimeout((int) visibilityTimeout.toSeconds())
            .messageSystemAttributeNames(
                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, MessageSystemAttributeName.SENT_TIMESTAMP)
            .messageAttributeNames("All")
            .build();
    return sqs.receiveMessage(request).messages().stream().map(SqsMessageSource::toReceived).toList();
  }

  static ReceivedMessage toReceived(Message message) {
    Map<MessageSystemAttributeName, String> system = message.attributes();
    int receiveCount = Integer.parseInt(system.getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
    String sent = system.get(MessageSystemAttributeName.SENT_TIMESTAMP);
    Instant sentAt = sent == null ? Instant.EPOCH : Instant.ofEpochMilli(Long.parseLong(sent));
    Map<String, String> attributes = new HashMap<>();
    for (Map.Entry<String, MessageAttributeValue> entry : message.messageAttributes().entrySet()) {
      if (entry.getValue().stringValue() != null) {
        attributes.put(entry.getKey(), entry.getValue().stringValue());
      }
    }
    return new ReceivedMessage(
        message.messageId(), message.body(), message.receiptHandle(), receiveCount, attributes, sentAt);
  }
}
