package dev.storagebuilder.worker.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.config.SettingRefusedException;
import dev.storagebuilder.common.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The work queue's redrive policy against {@code worker.max-receive-count}, checked at start-up. The
 * worker dead-letters a target that keeps failing on its {@code max-receive-count}-th delivery, with
 * the reason; SQS moves a message received more than the policy's {@code maxReceiveCount} times,
 * without one. With the queue's count lower, the worker never reaches its own: every failing target
 * went to the DLQ reasonless, after fewer retries than configured.
 */
public final class QueueRedrive {
  private static final Logger log = LoggerFactory.getLogger(QueueRedrive.class);

  private QueueRedrive() {}

  /**
   * @throws SettingRefusedException when the queue's redrive policy moves messages before the
   *     worker's last delivery. A queue without a policy passes (the worker alone dead-letters), and
   *     so does one the worker may not read (a task role without sqs:GetQueueAttributes): logged.
   */
  public static void requireNotBelow(SqsClient sqs, String queueName, String queueUrl, int maxReceiveCount) {
    String policy;
    try {
      policy =
          sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.REDRIVE_POLICY))
              .attributes()
              .get(QueueAttributeName.REDRIVE_POLICY);
    } catch (SqsException e) {
      if (e.statusCode() != 403) {
        throw e;
      }
      log.warn("cannot read queue {}'s redrive policy to check worker.max-receive-count against it: {}", queueName,
          e.awsErrorDetails() == null ? e.toString() : e.awsErrorDetails().errorMessage());
      return;
    }
    if (policy == null || policy.isBlank()) {
      return;
    }
    int queueCount = maxReceiveCountOf(queueName, policy);
    if (queueCount < maxReceiveCount) {
      throw new SettingRefusedException(
          "worker.max-receive-count (" + maxReceiveCount + ") must not exceed the maxReceiveCount of queue " + queueName
              + "'s redrive policy (" + queueCount + "): SQS would move a failing message to the DLQ after " + queueCount
              + " deliveries, without the reason the worker records; lower worker.max-receive-count or raise the queue's");
    }
  }

  private static int maxReceiveCountOf(String queueName, String policy) {
    try {
      // SQS writes the count as a number, some emulators as a string: asInt reads both.
      JsonNode count = Json.mapper().readTree(policy).path("maxReceiveCount");
      if (count.asInt(0) < 1) {
        throw new IllegalStateException("queue " + queueName + "'s redrive policy has no maxReceiveCount: " + policy);
      }
      return count.asInt();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("queue " + queueName + "'s redrive policy is not JSON: " + policy, e);
    }
  }
}
