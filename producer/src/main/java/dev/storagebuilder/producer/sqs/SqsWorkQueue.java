package dev.storagebuilder.producer.sqs;

import dev.storagebuilder.aws.sqs.SqsBatchSender;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.producer.dlq.WorkQueue;
import dev.storagebuilder.producer.enqueue.TargetMessageSender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The work queue: run fan-outs and redriven messages both go out through one {@link SqsBatchSender}
 * (batches of 10, {@code concurrency} calls in flight, failed entries retried). With {@code
 * fairGroupIds} each message's MessageGroupId is its client id, which an SQS fair queue uses to
 * keep one tenant's backlog from delaying the others.
 */
public final class SqsWorkQueue implements TargetMessageSender, WorkQueue, AutoCloseable {
  /** Messages encoded per slice handed to the sender: whole batches, a few per sender thread. */
  static final int ENCODE_AHEAD = 10 * SqsBatchSender.MAX_BATCH_ENTRIES;

  private final SqsClient sqs;
  private final QueueLocator queues;
  private final SqsBatchSender.Options options;
  private final RandomGenerator random;
  private final boolean fairGroupIds;
  private volatile SqsBatchSender sender;

  public SqsWorkQueue(
      SqsClient sqs,
      QueueLocator queues,
      int concurrency,
      boolean fairGroupIds,
      RandomGenerator random) {
    this.sqs = sqs;
    this.queues = queues;
    this.options = SqsBatchSender.Options.defaults().withConcurrency(concurrency);
    this.random = random;
    this.fairGroupIds = fairGroupIds;
  }

  /** Looks the queue up (once) and fails with a ServiceUnavailableException if it cannot. */
  @Override
  public void requireReachable() {
    sender();
  }

  @Override
  public SendReport send(List<TargetMessage> messages) {
    // Encoded a slice at a time, each slice handed to the sender at once: the first batches are
    // on the wire while later bodies are still being encoded, instead of after all 10,000.
    List<CompletableFuture<SqsBatchSender.Result>> slices = new ArrayList<>();
    for (int from = 0; from < messages.size(); from += ENCODE_AHEAD) {
      int to = Math.min(messages.size(), from + ENCODE_AHEAD);
      List<SqsBatchSender.Entry> entries = new ArrayList<>(to - from);
      for (int i = from; i < to; i++) {
        TargetMessage message = messages.get(i);
        entries.add(
            new SqsBatchSender.Entry(
                Integer.toString(i),
                TargetMessageCodec.encode(message),
                Map.of(),
                groupId(message.clientId())));
      }
      slices.add(sender().sendAsync(entries));
    }
    int sent = 0;
    List<SendReport.Failure> failures = new ArrayList<>();
    for (CompletableFuture<SqsBatchSender.Result> slice : slices) {
      SqsBatchSender.Result result = slice.join();
      sent += result.sent();
      for (SqsBatchSender.Failure failure : result.failed()) {
        failures.add(
            new SendReport.Failure(
                messages.get(Integer.parseInt(failure.id())).targetRef(),
                failure.code() + ": " + failure.message()));
      }
    }
    return new SendReport(sent, failures);
  }

  @Override
  public Map<String, String> resend(List<Outbound> messages) {
    List<SqsBatchSender.Entry> entries = new ArrayList<>(messages.size());
    for (Outbound message : messages) {
      entries.add(
          new SqsBatchSender.Entry(
              message.id(),
              message.body(),
              Map.of(),
              message.groupId() != null ? message.groupId() : groupId(message.clientId())));
    }
    Map<String, String> failed = new LinkedHashMap<>();
    for (SqsBatchSender.Failure failure : sender().send(entries).failed()) {
      failed.put(failure.id(), failure.code() + ": " + failure.message());
    }
    return failed;
  }

  private String groupId(String clientId) {
    return fairGroupIds ? clientId : null;
  }

  private SqsBatchSender sender() {
    SqsBatchSender current = sender;
    if (current == null) {
      synchronized (this) {
        if (sender == null) {
          sender = new SqsBatchSender(sqs, queues.urls().queueUrl(), options, random);
        }
        current = sender;
      }
    }
    return current;
  }

  @Override
  public synchronized void close() {
    if (sender != null) {
      sender.close();
    }
  }
}
