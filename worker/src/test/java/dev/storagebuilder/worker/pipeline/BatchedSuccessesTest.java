package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.worker.testing.ForwardingRunLedger;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchedSuccessesTest {
  private final List<List<String>> calls = new CopyOnWriteArrayList<>();
  /** Each write waits here until a test opens it. */
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile RuntimeException failure;
  private final InMemoryRunLedger stored = new InMemoryRunLedger();
  private final RunLedger runs =
      new ForwardingRunLedger(stored) {
        @Override
        public void markSucceeded(List<Success> successes) {
          calls.add(successes.stream().map(s -> s.progress().target().clientId()).toList());
          try {
            gate.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (failure != null) {
            throw failure;
          }
          super.markSucceeded(successes);
        }
      };
  private BatchedSuccesses batched;

  @AfterEach
  void close() {
    gate.countDown();
    if (batched != null) {
      batched.close();
    }
  }

  private static RunLedger.Success success(String clientId) {
    return new RunLedger.Success("run-1", new TargetProgress(new TargetRef(clientId, "items"), TargetState.SUCCEEDED,
        0, null, "w", 10, 100, 5, 1, Instant.EPOCH), false);
  }

  @Test
  void aWriteThatThrowsAnErrorFailsItsBatchAndTheWriterGoesOnWithTheNext() {
    AtomicInteger writes = new AtomicInteger();
    RunLedger failingOnce =
        new ForwardingRunLedger(stored) {
          @Override
          public void markSucceeded(List<Success> successes) {
            if (writes.incrementAndGet() == 1) {
              throw new OutOfMemoryError("Java heap space"); // the heap is shared with the running targets
            }
            super.markSucceeded(successes);
          }
        };
    batched = new BatchedSuccesses(failingOnce, Duration.ZERO, 25);

    CompletableFuture<Void> lost = batched.record(success("c0")).toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(lost::isDone);
    CompletableFuture<Void> next = batched.record(success("c1")).toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(next::isDone);

    assertThat(lost).isCompletedExceptionally();
    assertThat(next).isCompleted().isNotCompletedExceptionally();
    assertThat(stored.targets("run-1")).extracting(p -> p.target().clientId()).containsExactly("c1");
  }

  @Test
  void successesArrivingWhileAWriteIsOutGoTogetherInTheNextWrite() {
    batched = new BatchedSuccesses(runs, Duration.ZERO, 25);
    gate = new CountDownLatch(1);
    CompletableFuture<Void> first = batched.record(success("c0")).toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);

    List<CompletableFuture<Void>> later = IntStream.rangeClosed(1, 5)
        .mapToObj(i -> batched.record(success("c" + i)).toCompletableFuture()).toList();
    assertThat(first).isNotDone();
    gate.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> later.stream().allMatch(CompletableFuture::isDone));
    assertThat(calls).containsExactly(List.of("c0"), List.of("c1", "c2", "c3", "c4", "c5"));
    assertThat(first).isCompleted();
    assertThat(stored.targets("run-1")).hasSize(6).allSatisfy(p -> {
      assertThat(p.state()).isEqualTo(TargetState.SUCCEEDED);
      assertThat(p.attempts()).isEqualTo(1);
    });
  }

  @Test
  void aWriteHoldsAtMostTheBatchSize() {
    batched = new BatchedSuccesses(runs, Duration.ofMillis(200), 4);
    List<CompletableFuture<Void>> all = IntStream.range(0, 10)
        .mapToObj(i -> batched.record(success("c" + i)).toCompletableFuture()).toList();

    await().atMost(Duration.ofSeconds(10)).until(() -> all.stream().allMatch(CompletableFuture::isDone));
    assertThat(calls).hasSizeGreaterThanOrEqualTo(3).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(4));
    assertThat(calls.stream().flatMap(List::stream)).containsExactlyElementsOf(
        IntStream.range(0, 10).mapToObj(i -> "c" + i).toList());
  }

  @Test
  void aFailedWriteFailsItsSuccessesAndTheNextWriteGoesOn() {
    batched = new BatchedSuccesses(runs, Duration.ZERO, 25);
    failure = new IllegalStateException("throttled");
    CompletableFuture<Void> refused = batched.record(success("c0")).toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(refused::isDone);
    failure = null;

    CompletableFuture<Void> next = batched.record(success("c1")).toCompletableFuture();

    assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class).hasMessageContaining("throttled");
    await().atMost(Duration.ofSeconds(5)).until(next::isDone);
    assertThat(next).isCompleted();
    assertThat(stored.targets("run-1")).extracting(p -> p.target().clientId()).containsExactly("c1");
  }

  @Test
  void closeWritesWhatIsStillQueuedAndLaterSuccessesAreWrittenAtOnce() {
    batched = new BatchedSuccesses(runs, Duration.ofSeconds(30), 25);
    List<CompletableFuture<Void>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(batched.record(success("c" + i)).toCompletableFuture());
    }

    batched.close();
    CompletableFuture<Void> afterClose = batched.record(success("c3")).toCompletableFuture();

    assertThat(queued).allSatisfy(f -> assertThat(f).isCompleted());
    assertThat(afterClose).isCompleted();
    assertThat(stored.targets("run-1")).hasSize(4);
  }
}
