package dev.storagebuilder.aws.sqs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/**
 * Sends many messages with SendMessageBatch: batches of up to {@value #MAX_BATCH_ENTRIES} (and
 * {@value #MAX_BATCH_BYTES} bytes), {@link Options#concurrency()} calls in flight.
 *
 * <p>Two kinds of failure, two answers:
 *
 * <ul>
 *   <li>a call that fails as a whole has already been retried by the SDK (STANDARD mode); its
 *       entries are reported as failed, not retried again here;
 *   <li>a call that succeeds with some entries failed (HTTP 200, {@code Failed} list) is not
 *       retried by the SDK: entries with {@code SenderFault=false} (the service's trouble) are sent
 *       again after a short jittered backoff, up to {@link Options#maxAttempts()}; entries with
 *       {@code SenderFault=true} (the message's trouble) fail at once.
 * </ul>
 *
 * An entry the answer names neither as sent nor as failed is reported as failed (code {@code
 * NoAnswer}) and not sent again. Callers' ids may be anything distinct: batches use their own
 * entry ids.
 */
public final class SqsBatchSender implements AutoCloseable {
  /** SQS's limit of entries per SendMessageBatch. */
  public static final int MAX_BATCH_ENTRIES = 10;

  /** SQS's limit on a batch's total payload (bodies and attributes). */
  public static final int MAX_BATCH_BYTES = 256 * 1024;

  /**
   * @param concurrency SendMessageBatch calls in flight (1..64)
   * @param maxAttempts sends of an entry that keeps failing with SenderFault=false (1..20)
   * @param baseBackoff wait before the first resend; doubles per attempt, jittered
   * @param maxBackoff cap of that wait
   */
  public record Options(
      int concurrency, int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
    public static final int DEFAULT_CONCURRENCY = 8;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_BASE_BACKOFF = Duration.ofMillis(50);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

    public Options {
      if (concurrency < 1 || concurrency > 64) {
        throw new IllegalArgumentException("sqs.sendConcurrency must be 1..64, got " + concurrency);
      }
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException("sqs.sendMaxAttempts must be 1..20, got " + maxAttempts);
      }
      if (baseBackoff == null || baseBackoff.isNegative()) {
        throw new IllegalArgumentException("sqs.sendBaseBackoff must be >= 0, got " + baseBackoff);
      }
      if (maxBackoff == null || maxBackoff.compareTo(baseBackoff) < 0) {
        throw new IllegalArgumentException(
            "sqs.sendMaxBackoff must be >= sqs.sendBaseBackoff, got " + maxBackoff);
      }
    }

    public static Options defaults() {
      return new Options(
          DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE_BACKOFF, DEFAULT_MAX_BACKOFF);
    }

    public Options withConcurrency(int calls) {
      return new Options(calls, maxAttempts, baseBackoff, maxBackoff);
    }

    public Options withMaxAttempts(int attempts) {
      return new Options(concurrency, attempts, baseBackoff, maxBackoff);
    }
  }

  /**
   * One message to send.
   *
   * @param id the caller's id, reported back on failure; distinct within one {@link #send} call
   * @param attributes string message attributes (e.g. the run id), may be empty
   * @param messageGroupId for FIFO and fair queues, or null
   */
  public record Entry(
      String id, String body, Map<String, String> attributes, String messageGroupId) {
    public Entry {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(body, "body");
      attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public Entry(String id, String body, Map<String, String> attributes) {
      this(id, body, attributes, null);
    }

    public Entry(String id, String body) {
      this(id, body, Map.of(), null);
    }

    /** What SQS counts against the batch size limit. */
    int payloadBytes() {
      int bytes = body.getBytes(StandardCharsets.UTF_8).length;
      for (Map.Entry<String, String> attribute : attributes.entrySet()) {
        bytes +=
            attribute.getKey().getBytes(StandardCharsets.UTF_8).length
                + attribute.getValue().getBytes(StandardCharsets.UTF_8).length
                + "String".length();
      }
      return bytes;
    }
  }

  /** An entry that was not sent, with SQS's error code (or the exception's) and message. */
  public record Failure(String id, String code, String message) {}

  /** What {@link #send} did: how many were sent, which could not be. */
  public record Result(int sent, List<Failure> failed) {
    public Result {
      failed = List.copyOf(failed);
    }

    public List<String> failedIds() {
      return failed.stream().map(Failure::id).toList();
    }

    public boolean allSent() {
      return failed.isEmpty();
    }
  }

  private final SqsClient sqs;
  private final String queueUrl;
  private final Options options;
  private final RandomGenerator random;
  private final ScheduledThreadPoolExecutor calls;

  public SqsBatchSender(SqsClient sqs, String queueUrl) {
    this(sqs, queueUrl, Options.defaults(), RandomGenerator.getDefault());
  }

  /**
   * @param random jitters the backoff (inject a seeded one in tests)
   */
  public SqsBatchSender(SqsClient sqs, String queueUrl, Options options, RandomGenerator random) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.options = Objects.requireNonNull(options, "options");
    this.random = Objects.requireNonNull(random, "random");
    AtomicInteger threads = new AtomicInteger();
    // The pool size bounds the calls in flight; delayed resends wait in its queue, not in a thread.
    this.calls =
        new ScheduledThreadPoolExecutor(
            options.concurrency(),
            runnable -> {
              Thread thread = new Thread(runnable, "sb-sqs-send-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.calls.setRemoveOnCancelPolicy(true);
  }

  /** Sends every entry; blocks until each is sent or has failed for good. */
  public Result send(List<Entry> entries) {
    return sendAsync(entries).join();
  }

  /**
   * Queues every entry's batches behind those of earlier calls and returns at once; the result
   * completes when each entry is sent or has failed for good. Lets a caller prepare the next
   * entries while these are on the wire (calls in flight stay bounded by the concurrency).
   */
  public CompletableFuture<Result> sendAsync(List<Entry> entries) {
    Set<String> ids = new HashSet<>();
    for (Entry entry : entries) {
      if (!ids.add(entry.id())) {
        throw new IllegalArgumentException("entry id '" + entry.id() + "' appears twice");
      }
    }
    Tally tally = new Tally();
    List<CompletableFuture<Void>> batches = new ArrayList<>();
    for (List<Entry> batch : batches(entries, tally)) {
      batches.add(attempt(batch, 1, 0, tally));
    }
    return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new))
        .thenApply(done -> new Result(tally.sent.get(), List.copyOf(tally.failed)));
  }

  @Override
  public void close() {
    calls.shutdown();
  }

  /** Groups entries by the count and size limits; an entry over the size limit alone fails. */
  private static List<List<Entry>> batches(List<Entry> entries, Tally tally) {
    List<List<Entry>> batches = new ArrayList<>();
    List<Entry> batch = new ArrayList<>(MAX_BATCH_ENTRIES);
    int batchBytes = 0;
    for (Entry entry : entries) {
      int bytes = entry.payloadBytes();
      if (bytes > MAX_BATCH_BYTES) {
        tally.failed.add(
            new Failure(entry.id(), "MessageTooLong", bytes + " bytes exceed " + MAX_BATCH_BYTES));
        continue;
      }
      if (batch.size() == MAX_BATCH_ENTRIES || batchBytes + bytes > MAX_BATCH_BYTES) {
        batches.add(batch);
        batch = new ArrayList<>(MAX_BATCH_ENTRIES);
        batchBytes = 0;
      }
      batch.add(entry);
      batchBytes += bytes;
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }

  private CompletableFuture<Void> attempt(
      List<Entry> batch, int attempt, long delayMillis, Tally tally) {
    CompletableFuture<List<Entry>> resend = new CompletableFuture<>();
    calls.schedule(
        () -> {
          try {
            resend.complete(sendOnce(batch, attempt, tally));
          } catch (Throwable t) {
            resend.completeExceptionally(t);
          }
        },
        delayMillis,
        TimeUnit.MILLISECONDS);
    return resend.thenCompose(
        again ->
            again.isEmpty()
                ? CompletableFuture.completedFuture(null)
                : attempt(again, attempt + 1, backoffMillis(attempt), tally));
  }

  /** One SendMessageBatch call; returns the entries to send again. */
  private List<Entry> sendOnce(List<Entry> batch, int attempt, Tally tally) {
    List<SendMessageBatchRequestEntry> requestEntries = new ArrayList<>(batch.size());
    Map<String, Entry> byBatchId = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Entry entry = batch.get(i);
      String batchId = Integer.toString(i);
      byBatchId.put(batchId, entry);
      requestEntries.add(requestEntry(batchId, entry));
    }
    SendMessageBatchResponse response;
    try {
      response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(requestEntries));
    } catch (RuntimeException e) {
      String code =
          e instanceof AwsServiceException service && service.awsErrorDetails() != null
              ? service.awsErrorDetails().errorCode()
              : e.getClass().getSimpleName();
      for (Entry entry : batch) {
        tally.failed.add(new Failure(entry.id(), code, e.getMessage()));
      }
      return List.of();
    }
    // Every entry must be answered once; one the answer leaves out counts as failed, never as
    // sent: a caller that deletes what was sent (a redrive deletes it from the DLQ) would lose it.
    Map<String, Entry> unanswered = new HashMap<>(byBatchId);
    for (SendMessageBatchResultEntry sent : response.successful()) {
      if (unanswered.remove(sent.id()) != null) {
        tally.sent.incrementAndGet();
      }
    }
    List<Entry> again = new ArrayList<>();
    for (BatchResultErrorEntry error : response.failed()) {
      Entry entry = unanswered.remove(error.id());
      if (entry == null) {
        continue; // not ours (SQS echoes the ids we sent), or already answered
      }
      if (Boolean.TRUE.equals(error.senderFault()) || attempt >= options.maxAttempts()) {
        String detail =
            Boolean.TRUE.equals(error.senderFault())
                ? error.message()
                : error.message() + " (after " + attempt + " attempts)";
        tally.failed.add(new Failure(entry.id(), error.code(), detail));
      } else {
        again.add(entry);
      }
    }
    for (Entry entry : unanswered.values()) {
      // Not retried: it may have been sent, and a resend would be a second copy.
      tally.failed.add(
          new Failure(
              entry.id(),
              "NoAnswer",
              "SendMessageBatch answered neither success nor failure for this entry"));
    }
    return again;
  }

  private static SendMessageBatchRequestEntry requestEntry(String batchId, Entry entry) {
    SendMessageBatchRequestEntry.Builder builder =
        SendMessageBatchRequestEntry.builder().id(batchId).messageBody(entry.body());
    if (!entry.attributes().isEmpty()) {
      Map<String, MessageAttributeValue> attributes = new HashMap<>();
      entry
          .attributes()
          .forEach(
              (name, value) ->
                  attributes.put(
                      name,
                      MessageAttributeValue.builder()
                          .dataType("String")
                          .stringValue(value)
                          .build()));
      builder.messageAttributes(attributes);
    }
    if (entry.messageGroupId() != null) {
      builder.messageGroupId(entry.messageGroupId());
    }
    return builder.build();
  }

  /** Exponential with "equal jitter": half fixed, half random, so resends spread but still wait. */
  private long backoffMillis(int attempt) {
    long base = options.baseBackoff().toMillis();
    long cap = options.maxBackoff().toMillis();
    long exponential = Math.min(cap, base << Math.min(attempt - 1, 20));
    long half = exponential / 2;
    synchronized (random) {
      return half + (half == 0 ? 0 : random.nextLong(half + 1));
    }
  }

  private static final class Tally {
    final AtomicInteger sent = new AtomicInteger();
    final ConcurrentLinkedQueue<Failure> failed = new ConcurrentLinkedQueue<>();
  }
}
