package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.RunLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the successes of targets that finish close together in one {@link RunLedger#markSucceeded}
 * call, from a thread of its own: the first success waits at most {@code linger} for others, up to
 * {@code maxBatch}. Most targets of an incremental run find nothing to sync, and a ledger write of
 * their own took about a third of their thread's time. The target's thread does not wait for the
 * write; its message is deleted once the write is done ({@link SuccessRecorder}).
 */
public final class BatchedSuccesses implements SuccessRecorder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchedSuccesses.class);
  /** DynamoDB's BatchWriteItem holds 25 items. */
  public static final int DEFAULT_MAX_BATCH = 25;
  /** Far shorter than any message's visibility timeout, and than the run's progress polls. */
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(50);

  private record Pending(RunLedger.Success success, CompletableFuture<Void> written) {}

  /** Queued by {@link #close}: the writer writes what it holds and ends. */
  private static final Pending STOP = new Pending(null, null);

  private final RunLedger runs;
  private final Duration linger;
  private final int maxBatch;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean closed;

  public BatchedSuccesses(RunLedger runs, Duration linger, int maxBatch) {
    this.runs = Objects.requireNonNull(runs, "runs");
    if (linger == null || linger.isNegative()) {
      throw new IllegalArgumentException("linger must be >= 0, got " + linger);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
    this.linger = linger;
    this.maxBatch = maxBatch;
    this.writer = Thread.ofPlatform().name("run-ledger-writer").daemon(true).start(this::writeLoop);
  }

  @Override
  public CompletionStage<Void> record(RunLedger.Success success) {
    Pending pending = new Pending(success, new CompletableFuture<>());
    queue.add(pending);
    if (closed && queue.remove(pending)) {
      // The writer is gone or going: write this one here.
      write(List.of(pending));
    }
    return pending.written();
  }

  /** Stops the writer thread once it has written what it holds, and writes what is still queued. */
  @Override
  public void close() {
    closed = true;
    queue.add(STOP);
    try {
      writer.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    left.removeIf(pending -> pending == STOP);
    for (int from = 0; from < left.size(); from += maxBatch) {
      write(left.subList(from, Math.min(left.size(), from + maxBatch)));
    }
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(maxBatch);
    boolean open = true;
    while (open) {
      try {
        Pending first = queue.take();
        if (first == STOP) {
          return;
        }
        batch.add(first);
        open = fill(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closed = true;
        open = false;
      }
      if (!batch.isEmpty()) {
        write(batch);
        batch.clear();
      }
    }
  }

  /**
   * Tops the batch up, waiting at most {@link #linger} after its first success; false once {@link
   * #close} has asked the writer to stop (the batch is still written).
   */
  private boolean fill(List<Pending> batch) throws InterruptedException {
    long deadline = System.nanoTime() + linger.toNanos();
    while (batch.size() < maxBatch) {
      if (queue.drainTo(batch, maxBatch - batch.size()) == 0) {
        long left = deadline - System.nanoTime();
        Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
        if (next == null) {
          return true;
        }
        batch.add(next);
      }
      if (batch.removeIf(pending -> pending == STOP)) {
        return false;
      }
    }
    return true;
  }

  private void write(List<Pending> batch) {
    List<RunLedger.Success> successes = new ArrayList<>(batch.size());
    batch.forEach(pending -> successes.add(pending.success()));
    try {
      runs.markSucceeded(successes);
    } catch (RuntimeException | Error e) {
      // An Error too (an OutOfMemoryError on a heap the running targets share): uncaught, it ended
      // the writer thread with this batch never completed, and every success after it waited in the
      // queue for good, its message neither deleted nor postponed.
      log.warn("recording {} successes in the run ledger failed; their messages come back and are recorded then: {}",
          batch.size(), e.toString());
      batch.forEach(pending -> pending.written().completeExceptionally(e));
      return;
    }
    batch.forEach(pending -> pending.written().complete(null));
  }
}
