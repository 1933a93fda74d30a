package dev.storagebuilder.aws.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.sqs.SqsBatchSender.Entry;
import dev.storagebuilder.aws.sqs.SqsBatchSender.Options;
import dev.storagebuilder.aws.sqs.SqsBatchSender.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;
import software.amazon.awssdk.services.sqs.model.SqsException;

class SqsBatchSenderTest {
  /**
   * Answers each entry by its body: "ok", "flaky-N" (fails N times, then ok), "bad" (sender fault),
   * "unanswered" (left out of the answer).
   */
  private final FakeSqs sqs = new FakeSqs();

  private SqsBatchSender sender =
      new SqsBatchSender(
          sqs,
          "queue",
          new Options(4, 4, Duration.ofMillis(1), Duration.ofMillis(5)),
          new SplittableRandom(42));

  @AfterEach
  void stop() {
    sender.close();
  }

  @Test
  void sendsEveryEntryInBatchesOfAtMostTen() {
    Result result = sender.send(entries(95, i -> "ok"));

    assertThat(result.sent()).isEqualTo(95);
    assertThat(result.failed()).isEmpty();
    assertThat(sqs.batchSizes).hasSize(10).allMatch(size -> size <= 10);
    assertThat(sqs.deliveredBodies).hasSize(95);
  }

  @Test
  void keepsNoMoreCallsInFlightThanTheConcurrency() {
    sender.send(entries(400, i -> "ok"));

    assertThat(sqs.maxConcurrentCalls.get()).isBetween(1, 4);
  }

  @Test
  void sendAsyncReturnsWhileItsBatchesAreStillOnTheWire() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    sqs.gate = gate;

    CompletableFuture<Result> first = sender.sendAsync(entries(30, i -> "ok"));
    CompletableFuture<Result> second = sender.sendAsync(entries(25, i -> i == 3 ? "bad" : "ok"));

    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    gate.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).sent()).isEqualTo(30);
    Result later = second.get(10, TimeUnit.SECONDS);
    assertThat(later.sent()).isEqualTo(24);
    assertThat(later.failedIds()).containsExactly("m-3");
    assertThat(sqs.deliveredBodies).hasSize(54);
  }

  @Test
  void resendsOnlyTheEntriesThatFailedWithoutSenderFault() {
    Result result = sender.send(entries(20, i -> i % 5 == 0 ? "flaky-2" : "ok"));

    assertThat(result.sent()).isEqualTo(20);
    assertThat(result.failed()).isEmpty();
    assertThat(sqs.attemptsByCallerId())
        .allSatisfy((id, attempts) -> assertThat(attempts).isEqualTo(id % 5 == 0 ? 3 : 1));
  }

  @Test
  void senderFaultEntriesFailAtOnceAndAreReportedWithTheirCode() {
    Result result = sender.send(entries(12, i -> i == 3 || i == 11 ? "bad" : "ok"));

    assertThat(result.sent()).isEqualTo(10);
    assertThat(result.failedIds()).containsExactlyInAnyOrder("m-3", "m-11");
    assertThat(result.failed())
        .allSatisfy(f -> assertThat(f.code()).isEqualTo("InvalidMessageContents"));
    assertThat(sqs.attemptsByCallerId().get(3)).isEqualTo(1);
  }

  @Test
  void entriesThatKeepFailingGiveUpAfterMaxAttempts() {
    Result result = sender.send(entries(3, i -> i == 0 ? "flaky-99" : "ok"));

    assertThat(result.sent()).isEqualTo(2);
    assertThat(result.failed())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.id()).isEqualTo("m-0");
              assertThat(f.code()).isEqualTo("InternalError");
              assertThat(f.message()).contains("after 4 attempts");
            });
    assertThat(sqs.attemptsByCallerId().get(0)).isEqualTo(4);
  }

  @Test
  void anEntryTheBatchAnswerLeavesOutIsReportedFailedNotSent() {
    Result result = sender.send(entries(12, i -> i == 4 ? "unanswered" : "ok"));

    assertThat(result.sent()).isEqualTo(11);
    assertThat(result.failed())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.id()).isEqualTo("m-4");
              assertThat(f.code()).isEqualTo("NoAnswer");
            });
    assertThat(sqs.attemptsByCallerId().get(4)).as("not sent again").isEqualTo(1);
  }

  @Test
  void aWholeCallFailureFailsItsEntriesWithoutRetryingOnTopOfTheSdk() {
    sqs.failWholeCalls = true;

    Result result = sender.send(entries(25, i -> "ok"));

    assertThat(result.sent()).isZero();
    assertThat(result.failed())
        .hasSize(25)
        .allSatisfy(f -> assertThat(f.code()).isEqualTo("AWS.SimpleQueueService.NonExistentQueue"));
    assertThat(sqs.calls.get()).isEqualTo(3);
  }

  @Test
  void oversizedEntriesFailWithoutBeingSentAndDoNotSinkTheirBatch() {
    List<Entry> entries = new ArrayList<>(entries(3, i -> "ok"));
    entries.add(new Entry("huge", "x".repeat(SqsBatchSender.MAX_BATCH_BYTES + 1)));

    Result result = sender.send(entries);

    assertThat(result.sent()).isEqualTo(3);
    assertThat(result.failedIds()).containsExactly("huge");
  }

  @Test
  void batchesAreAlsoBoundedByTotalPayloadBytes() {
    String body = "ok" + " ".repeat(60 * 1024);
    Result result = sender.send(entries(10, i -> body));

    assertThat(result.sent()).isEqualTo(10);
    assertThat(sqs.batchSizes).allMatch(size -> size <= 4);
  }

  @Test
  void callerIdsMustBeDistinct() {
    assertThatThrownBy(() -> sender.send(List.of(new Entry("a", "ok"), new Entry("a", "ok"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'");
  }

  @Test
  void optionsNameTheSettingTheyReject() {
    assertThatThrownBy(() -> Options.defaults().withConcurrency(0))
        .hasMessageContaining("sqs.sendConcurrency must be 1..64, got 0");
    assertThatThrownBy(() -> Options.defaults().withMaxAttempts(0))
        .hasMessageContaining("sqs.sendMaxAttempts");
  }

  private static List<Entry> entries(int count, Function<Integer, String> body) {
    return IntStream.range(0, count)
        .mapToObj(i -> new Entry("m-" + i, body.apply(i), Map.of("caller", Integer.toString(i))))
        .toList();
  }

  private static final class FakeSqs implements SqsClient {
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<String> deliveredBodies = new CopyOnWriteArrayList<>();
    final Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final AtomicInteger concurrentCalls = new AtomicInteger();
    final AtomicInteger maxConcurrentCalls = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean failWholeCalls;
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
      calls.incrementAndGet();
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      int now = concurrentCalls.incrementAndGet();
      maxConcurrentCalls.accumulateAndGet(now, Math::max);
      try {
        if (failWholeCalls) {
          throw SqsException.builder()
              .statusCode(400)
              .awsErrorDetails(
                  AwsErrorDetails.builder()
                      .errorCode("AWS.SimpleQueueService.NonExistentQueue")
                      .errorMessage("no queue")
                      .build())
              .build();
        }
        batchSizes.add(request.entries().size());
        // Hold the call briefly so concurrent calls overlap.
        long until = System.nanoTime() + 2_000_000;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        SendMessageBatchResponse.Builder response = SendMessageBatchResponse.builder();
        List<SendMessageBatchResultEntry> ok = new ArrayList<>();
        List<BatchResultErrorEntry> failed = new ArrayList<>();
        for (SendMessageBatchRequestEntry entry : request.entries()) {
          int caller = Integer.parseInt(entry.messageAttributes().get("caller").stringValue());
          int attempt =
              attempts.computeIfAbsent(caller, k -> new AtomicInteger()).incrementAndGet();
          String body = entry.messageBody();
          if (body.equals("unanswered")) {
            continue; // an answer that names the entry neither way
          }
          if (body.equals("bad")) {
            failed.add(error(entry.id(), true, "InvalidMessageContents"));
          } else if (body.startsWith("flaky-") && attempt <= Integer.parseInt(body.substring(6))) {
            failed.add(error(entry.id(), false, "InternalError"));
          } else {
            deliveredBodies.add(body);
            ok.add(SendMessageBatchResultEntry.builder().id(entry.id()).messageId("id").build());
          }
        }
        return response.successful(ok).failed(failed).build();
      } finally {
        concurrentCalls.decrementAndGet();
      }
    }

    Map<Integer, Integer> attemptsByCallerId() {
      Map<Integer, Integer> copy = new java.util.HashMap<>();
      attempts.forEach((id, count) -> copy.put(id, count.get()));
      return copy;
    }

    private static BatchResultErrorEntry error(String id, boolean senderFault, String code) {
      return BatchResultErrorEntry.builder()
          .id(id)
          .senderFault(senderFault)
          .code(code)
          .message(code + " for " + id)
          .build();
    }

    @Override
    public String serviceName() {
      return "sqs";
    }

    @Override
    public void close() {}
  }
}
