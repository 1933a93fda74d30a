package dev.storagebuilder.worker.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The copies the worker sends itself (a postponed message, a dead letter) keep what the original
 * carried: its MessageGroupId (the client id on a fair queue) and its message attributes. Against
 * ElasticMQ, which accepts and returns a MessageGroupId on a standard queue as SQS does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsAcknowledgerIT {
  private EmbeddedAwsStack stack;
  private AwsClients aws;
  private QueueProvisioner.QueueUrls queues;
  private SqsMessageSource work;
  private SqsMessageSource dlq;
  private SqsAcknowledger acknowledger;

  @BeforeAll
  void start() {
    stack = EmbeddedAwsStack.builder().start();
    aws = new AwsClients(EmbeddedAws.settings(stack, "ack"), 4);
    queues = QueueProvisioner.ensureQueues(aws.sqs(), "sb-ack", "sb-ack-dlq", 5, 30);
    work = new SqsMessageSource(aws.sqs(), queues.queueUrl(), Duration.ofSeconds(30));
    dlq = new SqsMessageSource(aws.sqs(), queues.dlqUrl(), Duration.ofSeconds(30));
    acknowledger = new SqsAcknowledger(aws.sqs(), queues.queueUrl(), queues.dlqUrl());
  }

  @AfterAll
  void stop() {
    aws.close();
    stack.close();
  }

  private void send(String body, String groupId) {
    aws.sqs()
        .sendMessage(
            b -> b.queueUrl(queues.queueUrl())
                .messageBody(body)
                .messageGroupId(groupId)
                .messageAttributes(
                    Map.of("trace", MessageAttributeValue.builder().dataType("String").stringValue("t-1").build())));
  }

  private ReceivedMessage receiveOne(SqsMessageSource source, String body) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> source.receive(10, Duration.ofSeconds(1)).stream().filter(m -> m.body().equals(body)).findFirst(),
            java.util.Optional::isPresent)
        .orElseThrow();
  }

  @Test
  void aPostponedCopyKeepsItsGroupAndAttributesAndStartsItsReceiveCountAgain() {
    send("{\"postpone\": 1}", "client-a");
    ReceivedMessage first = receiveOne(work, "{\"postpone\": 1}");
    assertThat(first.messageGroupId()).isEqualTo("client-a");

    acknowledger.postpone(first, Duration.ZERO);

    ReceivedMessage copy = receiveOne(work, "{\"postpone\": 1}");
    assertThat(copy.messageId()).isNotEqualTo(first.messageId());
    assertThat(copy.messageGroupId()).isEqualTo("client-a");
    assertThat(copy.attributes())
        .containsEntry("trace", "t-1")
        .containsEntry(SqsAcknowledger.POSTPONED, "1");
    assertThat(copy.receiveCount()).isEqualTo(1);
    acknowledger.delete(copy);
  }

  @Test
  void aDeadLetterKeepsItsGroupAndAttributesNextToTheReason() {
    send("{\"dead\": 1}", "client-b");
    ReceivedMessage original = receiveOne(work, "{\"dead\": 1}");

    acknowledger.deadLetter(original, "unknown-target", "no such target");

    ReceivedMessage dead = receiveOne(dlq, "{\"dead\": 1}");
    assertThat(dead.messageGroupId()).isEqualTo("client-b");
    assertThat(dead.attributes())
        .containsEntry("trace", "t-1")
        .containsEntry(SqsAcknowledger.REASON, "unknown-target")
        .containsEntry(SqsAcknowledger.ORIGINAL_ID, original.messageId());
    List<ReceivedMessage> left = work.receive(10, Duration.ZERO);
    assertThat(left).extracting(ReceivedMessage::body).doesNotContain("{\"dead\": 1}");
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
  }

  /** Sends {@code body} with SQS's maximum of ten message attributes, a0=v0 .. a9=v9, and receives it. */
  private ReceivedMessage receiveWithTenAttributes(String body) {
    Map<String, MessageAttributeValue> ten = new java.util.HashMap<>();
    for (int i = 0; i < 10; i++) {
      ten.put("a" + i, text("v" + i));
    }
    aws.sqs().sendMessage(b -> b.queueUrl(queues.queueUrl()).messageBody(body).messageAttributes(ten));
    ReceivedMessage original = receiveOne(work, body);
    assertThat(original.attributes()).hasSize(10);
    return original;
  }

  @Test
  void aMessageWithTenAttributesIsDeadLetteredWithItsReasonNamingTheAttributesLeftOut() {
    ReceivedMessage original = receiveWithTenAttributes("{\"ten\": 1}");

    acknowledger.deadLetter(original, "invalid-message", "not a target message");

    ReceivedMessage dead = receiveOne(dlq, "{\"ten\": 1}");
    assertThat(dead.attributes())
        .hasSize(10)
        .containsEntry(SqsAcknowledger.REASON, "invalid-message")
        .containsEntry(SqsAcknowledger.ORIGINAL_ID, original.messageId())
        .containsEntry(SqsAcknowledger.RECEIVE_COUNT, "1")
        .containsEntry("a0", "v0")
        .containsEntry("a5", "v5")
        .doesNotContainKeys("a6", "a7", "a8", "a9");
    assertThat(dead.attributes().get(SqsAcknowledger.DETAIL))
        .isEqualTo("not a target message (message attributes left out: a6, a7, a8, a9)");
    assertThat(work.receive(10, Duration.ZERO)).extracting(ReceivedMessage::body).doesNotContain("{\"ten\": 1}");
  }

  @Test
  void aMessageWithTenAttributesIsPostponedWithAllOfThem() {
    ReceivedMessage original = receiveWithTenAttributes("{\"ten-postponed\": 1}");

    acknowledger.postpone(original, Duration.ZERO);

    ReceivedMessage copy = receiveOne(work, "{\"ten-postponed\": 1}");
    assertThat(copy.messageId()).isNotEqualTo(original.messageId());
    assertThat(copy.attributes()).isEqualTo(original.attributes());
    acknowledger.delete(copy);
  }

  /** SQS's limit on a message: its body and every attribute's name, data type and value together. */
  private static final int SQS_MAX_MESSAGE_BYTES = 256 * 1024;

  /** The size SQS counts for a message as received (every attribute is a String here). */
  private static int sqsSize(ReceivedMessage message) {
    int size = utf8(message.body());
    for (Map.Entry<String, String> attribute : message.attributes().entrySet()) {
      size += utf8(attribute.getKey()) + utf8("String") + utf8(attribute.getValue());
    }
    return size;
  }

  private static int utf8(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** A body of exactly {@code bytes} UTF-8 bytes that names itself. */
  private static String bodyOf(String name, int bytes) {
    String head = "{\"" + name + "\": \"";
    return head + "x".repeat(bytes - head.length() - 2) + "\"}";
  }

  /**
   * ElasticMQ takes any size, SQS refuses a message over 256 KiB: a poison body near the limit sent
   * to the DLQ with its reason and a 2000-character detail was refused, and the message kept coming
   * back without a reason until the redrive policy moved it.
   */
  @Test
  void aDeadLetterOfABodyNearTheSizeLimitKeepsItsReasonAndCutsItsDetailToFit() {
    String body = bodyOf("near-limit-dead", SQS_MAX_MESSAGE_BYTES - 400);
    send(body, "client-d");
    ReceivedMessage original = receiveOne(work, body);
    String detail = "é".repeat(1_900); // two bytes each: the limit is in bytes, not characters

    acknowledger.deadLetter(original, "invalid-message", detail);

    ReceivedMessage dead = receiveOne(dlq, body);
    assertThat(sqsSize(dead)).isLessThanOrEqualTo(SQS_MAX_MESSAGE_BYTES);
    assertThat(dead.attributes())
        .containsEntry("trace", "t-1")
        .containsEntry(SqsAcknowledger.REASON, "invalid-message")
        .containsEntry(SqsAcknowledger.ORIGINAL_ID, original.messageId())
        .containsEntry(SqsAcknowledger.RECEIVE_COUNT, "1");
    assertThat(detail).startsWith(dead.attributes().get(SqsAcknowledger.DETAIL));
    assertThat(dead.attributes().get(SqsAcknowledger.DETAIL)).isNotEmpty().isNotEqualTo(detail);
  }

  /** The original fit exactly; its count of postponements on top would not have. */
  @Test
  void aPostponedCopyOfAMessageAtTheSizeLimitGoesBackWithoutItsCount() {
    int trace = utf8("trace") + utf8("String") + utf8("t-1");
    String body = bodyOf("at-limit-postponed", SQS_MAX_MESSAGE_BYTES - trace);
    send(body, "client-e");
    ReceivedMessage original = receiveOne(work, body);
    assertThat(sqsSize(original)).isEqualTo(SQS_MAX_MESSAGE_BYTES);

    acknowledger.postpone(original, Duration.ZERO);

    ReceivedMessage copy = receiveOne(work, body);
    assertThat(copy.messageId()).isNotEqualTo(original.messageId());
    assertThat(copy.attributes()).isEqualTo(Map.of("trace", "t-1"));
    acknowledger.delete(copy);
  }

  @Test
  void aMessageWhosePostponeCountIsNotANumberIsPostponedCountingAgainFromOne() {
    aws.sqs().sendMessage(
        b -> b.queueUrl(queues.queueUrl())
            .messageBody("{\"bad-count\": 1}")
            .messageAttributes(Map.of(SqsAcknowledger.POSTPONED, text("many"))));
    ReceivedMessage original = receiveOne(work, "{\"bad-count\": 1}");

    acknowledger.postpone(original, Duration.ZERO);

    ReceivedMessage copy = receiveOne(work, "{\"bad-count\": 1}");
    assertThat(copy.messageId()).isNotEqualTo(original.messageId());
    assertThat(copy.attributes()).containsEntry(SqsAcknowledger.POSTPONED, "1");
    acknowledger.delete(copy);
  }

  @Test
  void aMessageWithoutAGroupStaysWithoutOne() {
    send("{\"plain\": 1}", null);
    ReceivedMessage first = receiveOne(work, "{\"plain\": 1}");
    assertThat(first.messageGroupId()).isNull();

    acknowledger.postpone(first, Duration.ZERO);

    ReceivedMessage copy = receiveOne(work, "{\"plain\": 1}");
    assertThat(copy.messageGroupId()).isNull();
    assertThat(copy.attributes()).containsEntry(SqsAcknowledger.POSTPONED, "1");
    acknowledger.delete(copy);
  }
  @Test
  void finishedMessagesAreDeletedInTheBackgroundAndAFlushWaitsForTheRest() {
    QueueProvisioner.QueueUrls own = QueueProvisioner.ensureQueues(aws.sqs(), "sb-ack-del", "sb-ack-del-dlq", 5, 30);
    SqsMessageSource source = new SqsMessageSource(aws.sqs(), own.queueUrl(), Duration.ofSeconds(30));
    SqsAcknowledger deleting = new SqsAcknowledger(aws.sqs(), own.queueUrl(), own.dlqUrl());
    for (int i = 0; i < 23; i++) {
      int n = i;
      aws.sqs().sendMessage(b -> b.queueUrl(own.queueUrl()).messageBody("{\"n\": " + n + "}"));
    }
    List<ReceivedMessage> received = new java.util.ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      received.addAll(source.receive(10, Duration.ofSeconds(1)));
      return received.size() == 23;
    });

    received.subList(0, 20).forEach(deleting::delete);
    await().atMost(Duration.ofSeconds(10)).until(() -> messagesIn(own.queueUrl()) == 3);

    received.subList(20, 23).forEach(deleting::delete);
    deleting.flush();
    assertThat(messagesIn(own.queueUrl())).as("a flush returns once the deletes were sent").isZero();
  }

  @Test
  void deletesOfTargetsThatFinishTogetherShareOneCall() {
    QueueProvisioner.QueueUrls own = QueueProvisioner.ensureQueues(aws.sqs(), "sb-ack-linger", "sb-ack-linger-dlq", 5, 30);
    SqsMessageSource source = new SqsMessageSource(aws.sqs(), own.queueUrl(), Duration.ofSeconds(30));
    for (int i = 0; i < 10; i++) {
      int n = i;
      aws.sqs().sendMessage(b -> b.queueUrl(own.queueUrl()).messageBody("{\"n\": " + n + "}"));
    }
    List<ReceivedMessage> received = new java.util.ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      received.addAll(source.receive(10, Duration.ofSeconds(1)));
      return received.size() == 10;
    });
    AtomicInteger deleteCalls = new AtomicInteger();
    ExecutionInterceptor counting = new ExecutionInterceptor() {
      @Override
      public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof DeleteMessageBatchRequest) {
          deleteCalls.incrementAndGet();
        }
      }
    };
    try (SqsClient counted =
        SqsClient.builder()
            .endpointOverride(stack.sqsEndpoint())
            .region(Region.of(stack.region()))
            .credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(stack.accessKey(), stack.secretKey())))
            .overrideConfiguration(c -> c.addExecutionInterceptor(counting))
            .build()) {
      SqsAcknowledger deleting = new SqsAcknowledger(counted, own.queueUrl(), own.dlqUrl());

      // Targets finishing a few milliseconds apart (the stimulus, not a wait for a condition).
      for (ReceivedMessage message : received) {
        deleting.delete(message);
        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> messagesIn(own.queueUrl()) == 0);
      // Without the linger each delete took its own call here.
      assertThat(deleteCalls.get()).as("ten deletes within ~50 ms: DeleteMessageBatch calls").isLessThanOrEqualTo(2);
    }
  }

  /**
   * An Error on the deleter's thread (a class that fails to load, a stack overflow; a real
   * OutOfMemoryError ends the container's JVM) ended it: every later finished message stayed queued
   * for a delete that never went out, came back after its visibility timeout, was dropped as a
   * duplicate and queued for delete again, until the redrive policy dead-lettered a finished target.
   */
  @Test
  void deletesGoOnAfterAnErrorOnTheDeletersThread() {
    QueueProvisioner.QueueUrls own = QueueProvisioner.ensureQueues(aws.sqs(), "sb-ack-error", "sb-ack-error-dlq", 5, 30);
    SqsMessageSource source = new SqsMessageSource(aws.sqs(), own.queueUrl(), Duration.ofSeconds(30));
    for (String body : List.of("{\"first\": 1}", "{\"second\": 1}")) {
      aws.sqs().sendMessage(b -> b.queueUrl(own.queueUrl()).messageBody(body));
    }
    List<ReceivedMessage> received = new java.util.ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      received.addAll(source.receive(10, Duration.ofSeconds(1)));
      return received.size() == 2;
    });
    AtomicInteger deleteCalls = new AtomicInteger();
    ExecutionInterceptor failingOnce = new ExecutionInterceptor() {
      @Override
      public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof DeleteMessageBatchRequest && deleteCalls.incrementAndGet() == 1) {
          throw new NoClassDefFoundError("test: a class of the request that does not load");
        }
      }
    };
    try (SqsClient failing =
        SqsClient.builder()
            .endpointOverride(stack.sqsEndpoint())
            .region(Region.of(stack.region()))
            .credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(stack.accessKey(), stack.secretKey())))
            .overrideConfiguration(c -> c.addExecutionInterceptor(failingOnce))
            .build()) {
      SqsAcknowledger deleting = new SqsAcknowledger(failing, own.queueUrl(), own.dlqUrl());

      deleting.delete(received.get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> deleteCalls.get() == 1);
      deleting.delete(received.get(1));

      // The first delete is lost (its message returns once, a duplicate the run ledger drops).
      await().atMost(Duration.ofSeconds(10)).until(() -> messagesIn(own.queueUrl()) == 1);
      assertThat(deleteCalls.get()).isEqualTo(2);
    }
  }

  private int messagesIn(String queueUrl) {
    Map<QueueAttributeName, String> attributes =
        aws.sqs()
            .getQueueAttributes(
                b -> b.queueUrl(queueUrl)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }
}
