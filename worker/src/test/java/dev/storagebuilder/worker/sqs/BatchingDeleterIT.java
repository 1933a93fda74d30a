package dev.storagebuilder.worker.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.testing.FreezingTcpProxy;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The stop's last flush of deletes, with SQS (or the path to it) no longer answering: ElasticMQ
 * behind a proxy that stops passing bytes. Each DeleteMessageBatch then waits out the SDK's call
 * timeout (95 s), and the flush sent the queued batches one after another from the stopping
 * thread, so a stop with a few batches queued outlasted ECS's stop timeout. It waits its bound.
 */
class BatchingDeleterIT {
  private static final Duration FLUSH_WAIT = Duration.ofSeconds(1);

  @Test
  void aFlushToAnSqsThatStoppedAnsweringReturnsAfterItsWaitWhateverIsQueued() throws Exception {
    try (EmbeddedAwsStack stack = EmbeddedAwsStack.builder().start();
        FreezingTcpProxy proxy = new FreezingTcpProxy(stack.sqsEndpoint().getPort())) {
      AwsSettings direct = EmbeddedAws.settings(stack, "deleter");
      String queueUrl;
      try (AwsClients setup = new AwsClients(direct)) {
        queueUrl = QueueProvisioner.ensureQueues(setup.sqs(), direct.queueName(), direct.dlqName(), 3, 30).queueUrl();
      }
      AwsSettings viaProxy =
          direct.toBuilder()
              .endpoints(URI.create("http://127.0.0.1:" + proxy.port()), direct.s3Endpoint(), direct.dynamoEndpoint())
              .build();
      try (AwsClients aws = new AwsClients(viaProxy)) {
        BatchingDeleter deleter = new BatchingDeleter(aws.sqs(), queueUrl, FLUSH_WAIT);
        proxy.freeze();
        for (int i = 0; i < 35; i++) { // four batches: one on the sender thread, three left for the flush
          deleter.delete("handle-" + i);
        }

        AtomicLong tookMillis = new AtomicLong(-1);
        Thread stopping = Thread.ofPlatform().daemon(true).start(() -> {
          long started = System.nanoTime();
          deleter.flush();
          tookMillis.set((System.nanoTime() - started) / 1_000_000);
        });

        await("the flush returned").atMost(Duration.ofSeconds(15)).until(() -> !stopping.isAlive());
        assertThat(tookMillis.get()).isBetween(FLUSH_WAIT.toMillis(), FLUSH_WAIT.toMillis() + 2_000);
      }
    }
  }
}
