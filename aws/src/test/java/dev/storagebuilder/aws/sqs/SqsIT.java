package dev.storagebuilder.aws.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.sqs.QueueProvisioner.QueueUrls;
import dev.storagebuilder.aws.sqs.SqsBatchSender.Entry;
import dev.storagebuilder.aws.sqs.SqsBatchSender.Result;
import dev.storagebuilder.aws.support.LocalAws;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Queue provisioning and batch sending against ElasticMQ. */
class SqsIT {
  private static SqsClient sqs;

  @BeforeAll
  static void clients() {
    sqs = LocalAws.clients().sqs();
  }

  @Test
  void provisioningIsIdempotentAndWiresTheDeadLetterQueue() {
    AwsSettings settings = LocalAws.settings("provision");

    QueueUrls first =
        QueueProvisioner.ensureQueues(sqs, settings.queueName(), settings.dlqName(), 5, 60);
    QueueUrls again =
        QueueProvisioner.ensureQueues(sqs, settings.queueName(), settings.dlqName(), 5, 60);
    QueueUrls changed =
        QueueProvisioner.ensureQueues(sqs, settings.queueName(), settings.dlqName(), 3, 90);

    assertThat(again).isEqualTo(first);
    assertThat(changed).isEqualTo(first);
    assertThat(first.queueArn()).endsWith(":" + settings.queueName());
    assertThat(first.dlqArn()).endsWith(":" + settings.dlqName());
    Map<QueueAttributeName, String> attributes =
        sqs.getQueueAttributes(
                b -> b.queueUrl(first.queueUrl()).attributeNames(QueueAttributeName.ALL))
            .attributes();
    assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY))
        .contains(first.dlqArn())
        .containsPattern("\"maxReceiveCount\"\\s*:\\s*\"?3");
    assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("90");
    assertThat(attributes.get(QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS))
        .isEqualTo("20");
    assertThat(sqs.listQueues(b -> b.queueNamePrefix(settings.queueName())).queueUrls()).hasSize(2);
  }

  @Test
  void aMessageReceivedMaxReceiveCountTimesLandsInTheDeadLetterQueue() {
    AwsSettings settings = LocalAws.settings("redrive");
    int maxReceiveCount = 2;
    QueueUrls queues =
        QueueProvisioner.ensureQueues(
            sqs, settings.queueName(), settings.dlqName(), maxReceiveCount, 30);
    sqs.sendMessage(b -> b.queueUrl(queues.queueUrl()).messageBody("poison"));

    AtomicInteger receives = new AtomicInteger();
    List<Message> deadLetters = new CopyOnWriteArrayList<>();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              // Receive and "fail" (make it visible again at once), as a crashing worker would.
              for (Message message :
                  sqs.receiveMessage(b -> b.queueUrl(queues.queueUrl()).waitTimeSeconds(0))
                      .messages()) {
                receives.incrementAndGet();
                sqs.changeMessageVisibility(
                    b ->
                        b.queueUrl(queues.queueUrl())
                            .receiptHandle(message.receiptHandle())
                            .visibilityTimeout(0));
              }
              deadLetters.addAll(
                  sqs.receiveMessage(
                          b ->
                              b.queueUrl(queues.dlqUrl())
                                  .waitTimeSeconds(0)
                                  .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                      .messages());
              return !deadLetters.isEmpty();
            });

    assertThat(receives.get()).isEqualTo(maxReceiveCount);
    assertThat(deadLetters).singleElement().extracting(Message::body).isEqualTo("poison");
  }

  @Test
  void theBatchSenderDeliversAThousandMessagesExactlyOnce() throws Exception {
    AwsSettings settings = LocalAws.settings("batch");
    QueueUrls queues =
        QueueProvisioner.ensureQueues(sqs, settings.queueName(), settings.dlqName(), 5, 120);
    List<Entry> entries =
        IntStream.range(0, 1_000)
            .mapToObj(
                i -> new Entry("target-" + i, "{\"n\":" + i + "}", Map.of("runId", "run-batch")))
            .toList();

    // Warm up the client (connections, serializers) so the figure is the queue's, not the JIT's.
    try (SqsBatchSender warmUp = new SqsBatchSender(sqs, queues.dlqUrl())) {
      warmUp.send(IntStream.range(0, 80).mapToObj(i -> new Entry("w" + i, "warm-up")).toList());
    }
    Result result;
    long start = System.nanoTime();
    try (SqsBatchSender sender = new SqsBatchSender(sqs, queues.queueUrl())) {
      result = sender.send(entries);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "SqsIT: sent 1,000 messages in batches of 10, 8 calls in flight: %.2f s = %.0f msg/s%n",
        seconds, 1_000 / seconds);

    assertThat(result.sent()).isEqualTo(1_000);
    assertThat(result.failed()).isEmpty();

    Map<String, Integer> received = new ConcurrentHashMap<>();
    AtomicInteger receivedTotal = new AtomicInteger();
    ExecutorService receivers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> polls = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        polls.add(
            receivers.submit(
                () -> {
                  // Until all arrived, then one more poll each: a duplicate would show up there.
                  boolean lastPoll = false;
                  while (!lastPoll) {
                    lastPoll = receivedTotal.get() >= entries.size();
                    int waitSeconds = lastPoll ? 1 : 0;
                    List<Message> messages =
                        sqs.receiveMessage(
                                b ->
                                    b.queueUrl(queues.queueUrl())
                                        .maxNumberOfMessages(10)
                                        .waitTimeSeconds(waitSeconds)
                                        .messageAttributeNames("All"))
                            .messages();
                    for (Message message : messages) {
                      assertThat(message.messageAttributes().get("runId").stringValue())
                          .isEqualTo("run-batch");
                      received.merge(message.body(), 1, Integer::sum);
                      receivedTotal.incrementAndGet();
                    }
                    if (!messages.isEmpty()) {
                      sqs.deleteMessageBatch(
                          b ->
                              b.queueUrl(queues.queueUrl())
                                  .entries(
                                      messages.stream()
                                          .map(
                                              m ->
                                                  DeleteMessageBatchRequestEntry.builder()
                                                      .id(m.messageId())
                                                      .receiptHandle(m.receiptHandle())
                                                      .build())
                                          .toList()));
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> poll : polls) {
        poll.get();
      }
    } finally {
      receivers.shutdown();
    }

    assertThat(receivedTotal.get()).isEqualTo(1_000);
    assertThat(received).hasSize(1_000);
    assertThat(received.values()).allMatch(count -> count == 1);
    assertThat(received.keySet())
        .containsExactlyInAnyOrderElementsOf(entries.stream().map(Entry::body).toList());
  }
}
