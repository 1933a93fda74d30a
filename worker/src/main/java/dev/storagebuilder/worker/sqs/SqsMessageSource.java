package dev.storagebuilder.worker.sqs;

import dev.storagebuilder.worker.port.MessageSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/** Long-polls the work queue. */
public final class SqsMessageSource implements MessageSource {
  private static final Logger log = LoggerFactory.getLogger(SqsMessageSource.class);
  private final SqsClient sqs;
  private final String queueUrl;
  private final Duration visibilityTimeout;
  private final AtomicBoolean received = new AtomicBoolean();

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
                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                MessageSystemAttributeName.SENT_TIMESTAMP,
                MessageSystemAttributeName.MESSAGE_GROUP_ID)
            .messageAttributeNames("All")
            .build();
    if (received.compareAndSet(false, true)) {
      // The startup benchmark (worker_start_seconds) waits for this line: start to ready for work.
      log.info("first receive call");
    }
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
        message.messageId(), message.body(), message.receiptHandle(), receiveCount, attributes, sentAt,
        system.get(MessageSystemAttributeName.MESSAGE_GROUP_ID));
  }
}
