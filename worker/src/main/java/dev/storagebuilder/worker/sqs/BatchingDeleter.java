package dev.storagebuilder.worker.sqs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

/**
 * Deletes finished messages from a background thread, up to ten per {@code DeleteMessageBatch}
 * (gathered for up to {@link #LINGER}), so a target's slot frees without waiting for the delete's
 * round trip. A delete that is lost (the process dies first, or SQS refuses it) only means one more
 * delivery of a finished target, which the run ledger drops. {@link #flush} sends what is queued;
 * the loop calls it when it stops.
 */
final class BatchingDeleter {
  private static final Logger log = LoggerFactory.getLogger(BatchingDeleter.class);
  private static final int SQS_MAX_BATCH = 10;
  private static final Duration IDLE_POLL = Duration.ofMillis(200);
  private static final Duration FLUSH_WAIT = Duration.ofSeconds(10);
  private static final Duration LINGER = Duration.ofMillis(100);

  private final SqsClient sqs;
  private final String queueUrl;
  private final BlockingQueue<String> handles = new LinkedBlockingQueue<>();
  /** Queued or being sent: what a flush waits for. */
  private final AtomicInteger pending = new AtomicInteger();
  private final Thread sender;
  private final Duration flushWait;

  BatchingDeleter(SqsClient sqs, String queueUrl) {
    this(sqs, queueUrl, FLUSH_WAIT);
  }

  /** Tests: a flush wait other than {@link #FLUSH_WAIT}. */
  BatchingDeleter(SqsClient sqs, String queueUrl, Duration flushWait) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.flushWait = flushWait;
    this.sender = Thread.ofPlatform().name("sqs-deleter").daemon(true).start(this::sendLoop);
  }

  void delete(String receiptHandle) {
    pending.incrementAndGet();
    handles.add(receiptHandle);
  }

  /**
   * Sends what is queued, alongside the sender thread, and waits at most the flush wait for every
   * delete to go out. Not on the calling thread: on an SQS that stopped answering each batch waits
   * out the SDK's call timeout (95 s), and the stop sent the batches one after another, outlasting
   * ECS's stop timeout. A delete still unsent when the wait ends only means one more delivery.
   */
  void flush() {
    List<List<String>> batches = new ArrayList<>();
    List<String> batch = new ArrayList<>(SQS_MAX_BATCH);
    while (handles.drainTo(batch, SQS_MAX_BATCH) > 0) {
      batches.add(batch);
      batch = new ArrayList<>(SQS_MAX_BATCH);
    }
    if (!batches.isEmpty()) {
      Thread.ofPlatform().name("sqs-deleter-flush").daemon(true).start(() -> batches.forEach(this::sendAndCount));
    }
    long deadline = System.nanoTime() + flushWait.toNanos();
    synchronized (pending) {
      while (pending.get() > 0 && System.nanoTime() < deadline) {
        try {
          pending.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    if (pending.get() > 0) {
      log.warn("stopping with {} deletes of finished messages not sent after {}; those messages return once and"
          + " are dropped as done", pending.get(), flushWait);
    }
  }

  private void sendAndCount(List<String> batch) {
    try {
      send(batch);
    } catch (RuntimeException | Error e) {
      log.warn("deleting {} finished messages failed; they return once and are dropped as done: {}",
          batch.size(), e.toString());
    } finally {
      pending.addAndGet(-batch.size());
      synchronized (pending) {
        pending.notifyAll();
      }
    }
  }

  private void sendLoop() {
    List<String> batch = new ArrayList<>(SQS_MAX_BATCH);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        String first = handles.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        fill(batch);
        send(batch);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        // An Error too (a class that fails to load, a stack overflow): uncaught, it ended this thread,
        // and every later delete waited in the queue for good while its message kept coming back.
        log.warn("deleting {} finished messages failed; they return once and are dropped as done: {}",
            batch.size(), e.toString());
      } finally {
        if (!batch.isEmpty()) {
          pending.addAndGet(-batch.size());
          synchronized (pending) {
            pending.notifyAll();
          }
        }
        batch.clear();
      }
    }
  }

  /**
   * Tops the batch up to ten, waiting at most {@link #LINGER} after its first handle: targets that
   * finish within that of each other share one call instead of paying one each (a delete only
   * frees the queue's in-flight count; nothing waits for it).
   */
  private void fill(List<String> batch) throws InterruptedException {
    long deadline = System.nanoTime() + LINGER.toNanos();
    handles.drainTo(batch, SQS_MAX_BATCH - batch.size());
    while (batch.size() < SQS_MAX_BATCH) {
      long left = deadline - System.nanoTime();
      String next = left > 0 ? handles.poll(left, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        return;
      }
      batch.add(next);
      handles.drainTo(batch, SQS_MAX_BATCH - batch.size());
    }
  }

  private void send(List<String> batch) {
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(batch.get(i)).build());
    }
    List<BatchResultErrorEntry> failed =
        sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)).failed();
    for (BatchResultErrorEntry error : failed) {
      log.warn("delete of a finished message failed ({}: {}); it returns once and is dropped as done",
          error.code(), error.message());
    }
  }
}
