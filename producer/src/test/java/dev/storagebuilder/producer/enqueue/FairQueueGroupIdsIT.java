package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.producer.testing.ProducerFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** With fair-queue-group-ids on, every message's MessageGroupId is its client id. */
class FairQueueGroupIdsIT {
  @Test
  void eachMessageIsGroupedByItsClient() throws Exception {
    try (ProducerFixture producer =
        new ProducerFixture("fair-groups", 2)
            .with("storage-builder.enqueue.fair-queue-group-ids", true)
            .start()) {
      assertThat(producer.post("/api/runs", "{\"scope\": \"all\"}").status()).isEqualTo(202);

      List<Message> messages = new ArrayList<>();
      while (true) {
        List<Message> batch =
            producer
                .clients
                .sqs()
                .receiveMessage(
                    b ->
                        b.queueUrl(producer.queues.queueUrl())
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(60)
                            .waitTimeSeconds(0)
                            .messageSystemAttributeNames(
                                MessageSystemAttributeName.MESSAGE_GROUP_ID))
                .messages();
        if (batch.isEmpty()) {
          break;
        }
        messages.addAll(batch);
      }

      assertThat(messages)
          .hasSize(12)
          .allSatisfy(
              m -> {
                String client =
                    dev.storagebuilder.common.message.TargetMessageCodec.decode(m.body())
                        .clientId();
                assertThat(m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                    .isEqualTo(client);
              });
    }
  }
}
