package dev.storagebuilder.producer.sqs;

import dev.storagebuilder.producer.dlq.DeadLetterQueue;
import dev.storagebuilder.producer.dlq.DlqMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.StartMessageMoveTaskResponse;

/** {@link DeadLetterQueue} on SQS. */
public final class SqsDeadLetterQueue implements DeadLetterQueue {
  private static final Logger log = LoggerFactory.getLogger(SqsDeadLetterQueue.class);
  private static final int BATCH = 10;

  private final SqsClient sqs;
  private final QueueLocator queues;

  public SqsDeadLetterQueue(SqsClient sqs, QueueLocator queues) {
    this.sqs = sqs;
    this.queues = queues;
  }

  @Override
  public List<DlqMessage> receive(int max, Duration visibility, Duration wait) {
    String url = queues.urls().dlqUrl();
    List<Message> messages =
        sqs.receiveMessage(
                b ->
                    b.queueUrl(url)
                        .maxNumberOfMessages(Math.max(1, Math.min(BATCH, max)))
                        .visibilityTimeout((int) visibility.toSeconds())
                        .waitTimeSeconds((int) wait.toSeconds())
                        .messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
            .messages();
    List<DlqMessage> received = new ArrayList<>(messages.size());
    for (Message message : messages) {
      Map<MessageSystemAttributeName, String> system = message.attributes();
      received.add(
          DlqMessage.of(
              message.messageId(),
              message.receiptHandle(),
              message.body(),
              stringAttribute(message, DlqMessage.REASON_ATTRIBUTE),
              stringAttribute(message, DlqMessage.DETAIL_ATTRIBUTE),
              epochMillis(system.get(MessageSystemAttributeName.SENT_TIMESTAMP)),
              integer(system.get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)),
              system.get(MessageSystemAttributeName.MESSAGE_GROUP_ID)));
    }
    return received;
  }

  @Override
  public void release(Collection<String> receiptHandles) {
    String url = queues.urls().dlqUrl();
    for (List<String> chunk : chunks(receiptHandles)) {
      List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(chunk.size());
      for (int i = 0; i < chunk.size(); i++) {
        entries.add(
            ChangeMessageVisibilityBatchRequestEntry.builder()
                .id(Integer.toString(i))
                .receiptHandle(chunk.get(i))
                .visibilityTimeout(0)
                .build());
      }
      try {
        List<BatchResultErrorEntry> failed =
            sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url).entries(entries)).failed();
        if (!failed.isEmpty()) {
          log.warn(
              "{} DLQ messages not released ({}); they become visible when their hold ends",
              failed.size(),
              failed.get(0).message());
        }
      } catch (RuntimeException e) {
        log.warn(
            "{} DLQ messages not released ({}); they become visible when their hold ends",
            chunk.size(),
            e.toString());
      }
    }
  }

  @Override
  public List<String> delete(Collection<String> receiptHandles) {
    String url = queues.urls().dlqUrl();
    List<String> notDeleted = new ArrayList<>();
    for (List<String> chunk : chunks(receiptHandles)) {
      List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
      for (int i = 0; i < chunk.size(); i++) {
        entries.add(
            DeleteMessageBatchRequestEntry.builder()
                .id(Integer.toString(i))
                .receiptHandle(chunk.get(i))
                .build());
      }
      try {
        DeleteMessageBatchResponse response =
            sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
        for (BatchResultErrorEntry failed : response.failed()) {
          notDeleted.add(chunk.get(Integer.parseInt(failed.id())));
        }
      } catch (RuntimeException e) {
        log.warn("cannot delete {} redriven messages from the DLQ: {}", chunk.size(), e.toString());
        notDeleted.addAll(chunk);
      }
    }
    return notDeleted;
  }

  @Override
  public Depth depth() {
    String url = queues.urls().dlqUrl();
    Map<QueueAttributeName, String> attributes =
        sqs.getQueueAttributes(
                b ->
                    b.queueUrl(url)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return new Depth(
        integer(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
        integer(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)));
  }

  @Override
  public MoveTask startMoveToWorkQueue() {
    var urls = queues.urls();
    StartMessageMoveTaskResponse response =
        sqs.startMessageMoveTask(b -> b.sourceArn(urls.dlqArn()).destinationArn(urls.queueArn()));
    return new MoveTask(response.taskHandle(), "RUNNING", 0, null, null, null);
  }

  @Override
  public List<MoveTask> moveTasks() {
    String dlqArn = queues.urls().dlqArn();
    List<MoveTask> tasks = new ArrayList<>();
    for (ListMessageMoveTasksResultEntry task :
        sqs.listMessageMoveTasks(b -> b.sourceArn(dlqArn).maxResults(10)).results()) {
      tasks.add(
          new MoveTask(
              task.taskHandle(),
              task.status(),
              task.approximateNumberOfMessagesMoved() == null
                  ? 0
                  : task.approximateNumberOfMessagesMoved(),
              task.approximateNumberOfMessagesToMove(),
              task.failureReason(),
              task.startedTimestamp() == null
                  ? null
                  : Instant.ofEpochMilli(task.startedTimestamp())));
    }
    return tasks;
  }

  private static String stringAttribute(Message message, String name) {
    MessageAttributeValue value = message.messageAttributes().get(name);
    return value == null ? null : value.stringValue();
  }

  private static Instant epochMillis(String value) {
    try {
      return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int integer(String value) {
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static List<List<String>> chunks(Collection<String> all) {
    List<List<String>> chunks = new ArrayList<>();
    List<String> chunk = new ArrayList<>(BATCH);
    for (String item : all) {
      if (chunk.size() == BATCH) {
        chunks.add(chunk);
        chunk = new ArrayList<>(BATCH);
      }
      chunk.add(item);
    }
    if (!chunk.isEmpty()) {
      chunks.add(chunk);
    }
    return chunks;
  }
}
