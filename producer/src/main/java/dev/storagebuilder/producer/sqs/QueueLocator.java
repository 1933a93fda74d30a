package dev.storagebuilder.producer.sqs;

import dev.storagebuilder.aws.sqs.QueueProvisioner.QueueUrls;
import dev.storagebuilder.producer.ServiceUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Finds the work queue and the DLQ by name on first use and remembers them. The producer does not
 * create queues (Terraform or the local launcher does); looking them up lazily lets it start, and
 * answer health checks, before SQS is reachable.
 */
public final class QueueLocator {
  private final SqsClient sqs;
  private final String queueName;
  private final String dlqName;
  private volatile QueueUrls urls;

  public QueueLocator(SqsClient sqs, String queueName, String dlqName) {
    this.sqs = sqs;
    this.queueName = queueName;
    this.dlqName = dlqName;
  }

  public QueueUrls urls() {
    QueueUrls known = urls;
    if (known == null) {
      synchronized (this) {
        if (urls == null) {
          urls = lookUp();
        }
        known = urls;
      }
    }
    return known;
  }

  private QueueUrls lookUp() {
    String queueUrl = url(queueName, "storage-builder.aws.queue");
    String dlqUrl = url(dlqName, "storage-builder.aws.dlq");
    return new QueueUrls(queueUrl, arn(queueUrl), dlqUrl, arn(dlqUrl));
  }

  private String url(String name, String setting) {
    try {
      return sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
    } catch (SdkException e) {
      throw new ServiceUnavailableException(
          "cannot find SQS queue '" + name + "' (" + setting + "): " + e.getMessage(), e);
    }
  }

  private String arn(String url) {
    try {
      return sqs.getQueueAttributes(
              b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
          .attributes()
          .get(QueueAttributeName.QUEUE_ARN);
    } catch (SdkException e) {
      throw new ServiceUnavailableException(
          "cannot read the ARN of SQS queue " + url + ": " + e.getMessage(), e);
    }
  }
}
