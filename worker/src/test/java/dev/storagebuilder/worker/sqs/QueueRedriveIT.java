package dev.storagebuilder.worker.sqs;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A worker whose max-receive-count the queue's redrive policy undercuts never reaches it: SQS moves
 * the message to the DLQ first, without the reason the worker records. Against ElasticMQ's redrive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueRedriveIT {
  private EmbeddedAwsStack stack;
  private AwsClients aws;

  @BeforeAll
  void start() {
    stack = EmbeddedAwsStack.builder().start();
    aws = new AwsClients(EmbeddedAws.settings(stack, "redrive"), 4);
  }

  @AfterAll
  void stop() {
    aws.close();
    stack.close();
  }

  @Test
  void aWorkerRetryingMoreOftenThanTheQueueRedrivesIsRefused() {
    String queueUrl = QueueProvisioner.ensureQueues(aws.sqs(), "sb-redrive-3", "sb-redrive-3-dlq", 3, 30).queueUrl();

    assertThatThrownBy(() -> QueueRedrive.requireNotBelow(aws.sqs(), "sb-redrive-3", queueUrl, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worker.max-receive-count (5) must not exceed the maxReceiveCount of queue sb-redrive-3's redrive"
            + " policy (3): SQS would move a failing message to the DLQ after 3 deliveries, without the reason the worker"
            + " records; lower worker.max-receive-count or raise the queue's");
  }

  @Test
  void aQueueRedrivingAtOrAfterTheWorkersLastDeliveryPasses() {
    String five = QueueProvisioner.ensureQueues(aws.sqs(), "sb-redrive-5", "sb-redrive-5-dlq", 5, 30).queueUrl();
    String six = QueueProvisioner.ensureQueues(aws.sqs(), "sb-redrive-6", "sb-redrive-6-dlq", 6, 30).queueUrl();

    assertThatCode(() -> QueueRedrive.requireNotBelow(aws.sqs(), "sb-redrive-5", five, 5)).doesNotThrowAnyException();
    assertThatCode(() -> QueueRedrive.requireNotBelow(aws.sqs(), "sb-redrive-6", six, 5)).doesNotThrowAnyException();
    assertThatThrownBy(() -> QueueRedrive.requireNotBelow(aws.sqs(), "sb-redrive-6", six, 7))
        .hasMessageStartingWith("worker.max-receive-count (7) must not exceed");
  }

  @Test
  void aQueueWithoutRedrivePolicyLeavesDeadLetteringToTheWorker() {
    String queueUrl = aws.sqs().createQueue(b -> b.queueName("sb-no-redrive")).queueUrl();

    assertThatCode(() -> QueueRedrive.requireNotBelow(aws.sqs(), "sb-no-redrive", queueUrl, 1000)).doesNotThrowAnyException();
  }
}
