package dev.storagebuilder.aws.sqs;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates the work queue and its dead-letter queue for local stacks and tests (production queues
 * come from Terraform). Idempotent: running it again, even with other settings, leaves one queue
 * each with the requested attributes.
 */
public final class QueueProvisioner {
  /** SQS's longest poll: an idle worker costs one request per 20 s per poller. */
  public static final int RECEIVE_WAIT_SECONDS = 20;

  /** SQS's maximum retention (14 days): dead letters wait for an operator. */
  public static final int DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

  /** Where the queues are. */
  public record QueueUrls(String queueUrl, String queueArn, String dlqUrl, String dlqArn) {}

  private QueueProvisioner() {}

  /**
   * @param maxReceiveCount deliveries before SQS moves a message to the DLQ (1..1000)
   * @param visibilityTimeoutSeconds the queue's default visibility timeout (0..43200)
   */
  public static QueueUrls ensureQueues(
      SqsClient sqs,
      String queueName,
      String dlqName,
      int maxReceiveCount,
      int visibilityTimeoutSeconds) {
    if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new IllegalArgumentException("maxReceiveCount must be 1..1000, got " + maxReceiveCount);
    }
    if (visibilityTimeoutSeconds < 0 || visibilityTimeoutSeconds > 43_200) {
      throw new IllegalArgumentException(
          "visibilityTimeoutSeconds must be 0..43200 (12 h), got " + visibilityTimeoutSeconds);
    }
    if (queueName.equals(dlqName)) {
      throw new IllegalArgumentException("the DLQ must differ from the queue: " + queueName);
    }
    Map<QueueAttributeName, String> dlqAttributes = new HashMap<>();
    dlqAttributes.put(
        QueueAttributeName.MESSAGE_RETENTION_PERIOD, Integer.toString(DLQ_RETENTION_SECONDS));
    dlqAttributes.put(
        QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS,
        Integer.toString(RECEIVE_WAIT_SECONDS));
    String dlqUrl = ensureQueue(sqs, dlqName, dlqAttributes);
    String dlqArn = arnOf(sqs, dlqUrl);

    Map<QueueAttributeName, String> attributes = new HashMap<>();
    attributes.put(
        QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds));
    attributes.put(
        QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS,
        Integer.toString(RECEIVE_WAIT_SECONDS));
    attributes.put(
        QueueAttributeName.REDRIVE_POLICY,
        "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":" + maxReceiveCount + "}");
    String queueUrl = ensureQueue(sqs, queueName, attributes);
    return new QueueUrls(queueUrl, arnOf(sqs, queueUrl), dlqUrl, dlqArn);
  }

  /** CreateQueue is idempotent for equal attributes; with others SQS refuses, so set them. */
  private static String ensureQueue(
      SqsClient sqs, String name, Map<QueueAttributeName, String> attributes) {
    try {
      return sqs.createQueue(b -> b.queueName(name).attributes(attributes)).queueUrl();
    } catch (QueueNameExistsException e) {
      String url = sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
      sqs.setQueueAttributes(b -> b.queueUrl(url).attributes(attributes));
      return url;
    }
  }

  private static String arnOf(SqsClient sqs, String queueUrl) {
    return sqs.getQueueAttributes(
            b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes()
        .get(QueueAttributeName.QUEUE_ARN);
  }
}
