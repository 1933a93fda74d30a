package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.worker.port.Acknowledger;
import dev.storagebuilder.worker.port.OpenReads;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.testing.ManualScheduler;
import dev.storagebuilder.worker.testing.RecordingAcknowledger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
  private static final Duration VISIBILITY = Duration.ofSeconds(60);
  private final ManualScheduler scheduler = new ManualScheduler();
  private final RecordingAcknowledger acknowledger = new RecordingAcknowledger();
  private final LeaseKeeper keeper = new LeaseKeeper(acknowledger, scheduler, VISIBILITY);
  /** As in production: a throttled extension may get through if tried again. */
  private final LeaseKeeper throttleTolerant =
      new LeaseKeeper(acknowledger, scheduler, VISIBILITY, RecordingAcknowledger.QueueThrottled.class::isInstance);

  private static ReceivedMessage message(String id) {
    return new ReceivedMessage(id, "{}", "handle-" + id, 1, Map.of(), Instant.EPOCH);
  }

  @Test
  void extendsVisibilityByTheTimeoutAtEveryHalfTimeoutWhileTheTargetRuns() {
    try (LeaseKeeper.HeldLease lease = keeper.hold(message("m1"))) {
      scheduler.advance(Duration.ofSeconds(29));
      assertThat(acknowledger.calls()).isEmpty();

      scheduler.advance(Duration.ofSeconds(1));
      assertThat(acknowledger.calls()).containsExactly("extend m1 PT1M");

      scheduler.advance(Duration.ofSeconds(90));
      assertThat(acknowledger.calls()).containsExactly("extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M", "extend m1 PT1M");
      assertThat(lease.isLost()).isFalse();
    }
  }

  @Test
  void aMessageThatWaitedForAThreadIsFirstExtendedHalfATimeoutAfterItsReceiptNotItsStart() {
    long receivedAt = keeper.nanoTime();
    scheduler.advance(Duration.ofSeconds(20)); // waiting for a free thread

    try (LeaseKeeper.HeldLease lease = keeper.hold(message("m1"), receivedAt)) {
      scheduler.advance(Duration.ofSeconds(9));
      assertThat(acknowledger.calls()).isEmpty();

      scheduler.advance(Duration.ofSeconds(1));
      assertThat(acknowledger.calls()).as("30 s after receipt, 10 s after the start").containsExactly("extend m1 PT1M");

      scheduler.advance(Duration.ofSeconds(30));
      assertThat(acknowledger.calls()).containsExactly("extend m1 PT1M", "extend m1 PT1M");
    }
  }

  @Test
  void aMessageThatWaitedPastHalfItsTimeoutIsExtendedAtOnce() {
    long receivedAt = keeper.nanoTime();
    scheduler.advance(Duration.ofSeconds(40));

    try (LeaseKeeper.HeldLease lease = keeper.hold(message("m1"), receivedAt)) {
      scheduler.advance(Duration.ZERO);
      assertThat(acknowledger.calls()).containsExactly("extend m1 PT1M");

      scheduler.advance(Duration.ofSeconds(29));
      assertThat(acknowledger.calls()).as("then every half timeout").containsExactly("extend m1 PT1M");
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(acknowledger.calls()).containsExactly("extend m1 PT1M", "extend m1 PT1M");
    }
  }

  @Test
  void closingTheLeaseStopsTheHeartbeat() {
    keeper.hold(message("m1")).close();

    scheduler.advance(Duration.ofMinutes(10));

    assertThat(acknowledger.calls()).isEmpty();
    assertThat(keeper.held()).isEmpty();
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aFailedHeartbeatLosesTheLeaseInterruptsTheHolderAndStopsRenewing() {
    acknowledger.failExtendWhen(m -> true);
    try (LeaseKeeper.HeldLease lease = keeper.hold(message("m1"))) {
      scheduler.advance(Duration.ofSeconds(30));

      assertThat(lease.isLost()).isTrue();
      assertThat(lease.lostReason().orElseThrow()).contains("heartbeat failed").contains("receipt handle is invalid");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();

      scheduler.advance(Duration.ofMinutes(5));
      assertThat(acknowledger.calls()).containsExactly("extend-failed m1");
    }
    assertThat(Thread.interrupted()).as("close clears the interrupt for the pooled thread").isFalse();
  }

  @Test
  void aTransientlyFailedExtensionIsTriedAgainSoonAndTheLeaseHolds() {
    AtomicInteger throttled = new AtomicInteger(2);
    acknowledger.throttleExtendWhen(m -> throttled.getAndDecrement() > 0);
    try (LeaseKeeper.HeldLease lease = throttleTolerant.hold(message("m1"))) {
      scheduler.advance(Duration.ofSeconds(30));
      assertThat(lease.isLost()).isFalse();

      scheduler.advance(Duration.ofSeconds(6)); // a tenth of the renewal interval apart
      assertThat(acknowledger.calls()).containsExactly("extend-throttled m1", "extend-throttled m1", "extend m1 PT1M");
      assertThat(lease.isLost()).isFalse();

      scheduler.advance(Duration.ofSeconds(29));
      assertThat(acknowledger.calls()).as("the next heartbeat half a timeout after the extension").hasSize(3);
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(acknowledger.calls()).hasSize(4).last().isEqualTo("extend m1 PT1M");
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
  }

  @Test
  void extensionsThatKeepFailingTransientlyLoseTheLeaseBeforeTheVisibilityRunsOut() {
    acknowledger.throttleExtendWhen(m -> true);
    try (LeaseKeeper.HeldLease lease = throttleTolerant.hold(message("m1"))) {
      scheduler.advance(Duration.ofSeconds(56));
      assertThat(lease.isLost()).isFalse();

      scheduler.advance(Duration.ofSeconds(1));
      assertThat(lease.lostReason()).hasValueSatisfying(reason -> assertThat(reason).contains("visibility ran out"));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(acknowledger.calls()).hasSize(10).containsOnly("extend-throttled m1"); // at 30, 33, ... 57 s

      scheduler.advance(Duration.ofMinutes(5));
      assertThat(acknowledger.calls()).hasSize(10);
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void aMessageNoLongerOursLosesItsLeaseAtTheFirstFailedExtensionEvenWhereTransientFailuresAreTriedAgain() {
    acknowledger.failExtendWhen(m -> true);
    try (LeaseKeeper.HeldLease lease = throttleTolerant.hold(message("m1"))) {
      scheduler.advance(Duration.ofSeconds(30));

      assertThat(lease.lostReason())
          .hasValueSatisfying(reason -> assertThat(reason).contains("receipt handle is invalid"));
      scheduler.advance(Duration.ofMinutes(5));
      assertThat(acknowledger.calls()).containsExactly("extend-failed m1");
    }
    assertThat(Thread.interrupted()).as("close clears the interrupt").isFalse();
  }

  @Test
  void onlyTheFailingMessageLosesItsLease() {
    acknowledger.failExtendWhen(m -> m.messageId().equals("bad"));
    try (LeaseKeeper.HeldLease good = keeper.hold(message("good"));
        LeaseKeeper.HeldLease bad = keeper.hold(message("bad"))) {
      scheduler.advance(Duration.ofSeconds(60));

      assertThat(good.isLost()).isFalse();
      assertThat(bad.isLost()).isTrue();
      assertThat(acknowledger.calls()).containsExactlyInAnyOrder("extend good PT1M", "extend-failed bad", "extend good PT1M");
    }
    Thread.interrupted();
  }

  /**
   * SQS keeps a message invisible at most 12 h after its receipt and refuses (not transiently) a
   * visibility change that asks past that; this queue does the same, and records what it granted.
   */
  private static class TwelveHourQueue implements Acknowledger {
    private final ManualScheduler clock;
    private final long receivedAt;
    final List<String> calls = new CopyOnWriteArrayList<>();

    TwelveHourQueue(ManualScheduler clock) {
      this.clock = clock;
      this.receivedAt = clock.nanoTime();
    }

    @Override
    public void extend(ReceivedMessage message, Duration visibility) {
      if (clock.nanoTime() + visibility.toNanos() > receivedAt + Duration.ofHours(12).toNanos()) {
        calls.add("refused " + visibility);
        throw new IllegalStateException("InvalidParameterValue: visibility past the 12 h maximum");
      }
      calls.add("extend " + visibility);
    }

    @Override
    public void delete(ReceivedMessage message) {}

    @Override
    public void retryAfter(ReceivedMessage message, Duration delay) {}

    @Override
    public void postpone(ReceivedMessage message, Duration delay) {}

    @Override
    public void deadLetter(ReceivedMessage message, String reasonCode, String detail) {}
  }

  @Test
  void theLastExtensionAsksOnlyForWhatIsLeftOfTwelveHoursAndTheLeaseHoldsUntilItRunsOut() {
    Duration twoHours = Duration.ofHours(2);
    TwelveHourQueue queue = new TwelveHourQueue(scheduler);
    LeaseKeeper longTargets = new LeaseKeeper(queue, scheduler, twoHours);
    try (LeaseKeeper.HeldLease lease = longTargets.hold(message("m1"))) {
      scheduler.advance(Duration.ofHours(11).plusMinutes(30));
      assertThat(lease.isLost()).as("invisible until 12 h after its receipt: %s", queue.calls).isFalse();
      List<String> expected = new java.util.ArrayList<>(java.util.Collections.nCopies(9, "extend PT2H"));
      expected.add("extend PT1H59M"); // at 10 h: what is left of 12 h, less a minute of margin
      expected.add("extend PT59M"); // at 11 h
      assertThat(queue.calls).isEqualTo(expected);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();

      scheduler.advance(Duration.ofMinutes(29));
      assertThat(lease.lostReason())
          .as("lost before SQS's own limit lets another worker receive it")
          .hasValueSatisfying(reason -> assertThat(reason).contains("12 h"));
      assertThat(queue.calls).noneMatch(call -> call.startsWith("refused"));
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  /** The threads whose source reads a keeper aborted, in order. */
  private static final class RecordingReads implements OpenReads {
    final List<Thread> abortedOf = new CopyOnWriteArrayList<>();

    @Override
    public int abortAll() {
      throw new AssertionError("a lost lease aborts only its own target's reads");
    }

    @Override
    public int abortReadsOf(Thread reader) {
      abortedOf.add(reader);
      return 1;
    }
  }

  @Test
  void aLeaseLostAtTheQueuesTwelveHourLimitAbortsTheSourceReadsOfItsHolder() {
    RecordingReads reads = new RecordingReads();
    LeaseKeeper longTargets = new LeaseKeeper(new TwelveHourQueue(scheduler), scheduler, Duration.ofHours(2),
        failure -> false, reads);
    try (LeaseKeeper.HeldLease lease = longTargets.hold(message("m1"))) {
      scheduler.advance(Duration.ofHours(11).plusMinutes(30));
      assertThat(reads.abortedOf).as("still held").isEmpty();

      scheduler.advance(Duration.ofMinutes(29));

      assertThat(lease.isLost()).isTrue();
      assertThat(reads.abortedOf).containsExactly(Thread.currentThread());
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void aFailedHeartbeatAbortsTheSourceReadsOfItsHolderOnceAndAFinishedTargetsNone() {
    RecordingReads reads = new RecordingReads();
    LeaseKeeper keeperWithReads = new LeaseKeeper(acknowledger, scheduler, VISIBILITY, failure -> false, reads);
    LeaseKeeper.HeldLease finished = keeperWithReads.hold(message("m2"));
    finished.close();
    try (LeaseKeeper.HeldLease lease = keeperWithReads.hold(message("m1"))) {
      acknowledger.failExtendWhen(m -> true);

      scheduler.advance(VISIBILITY.dividedBy(2));

      assertThat(lease.isLost()).isTrue();
      assertThat(lease.revoke("again")).isFalse();
      assertThat(finished.revoke("too late")).isFalse();
      assertThat(reads.abortedOf).containsExactly(Thread.currentThread());
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void anExtensionThatHangsDoesNotHoldUpTheHeartbeatOfOtherMessages() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    List<String> extended = new CopyOnWriteArrayList<>();
    Acknowledger hangsOnM1 = new TwelveHourQueue(scheduler) {
      @Override
      public void extend(ReceivedMessage message, Duration visibility) {
        extended.add(message.messageId());
        if (message.messageId().equals("m1")) {
          try {
            answer.await(); // a call waiting out its socket timeouts and retries
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    // As the worker wires it: one timer thread for every lease.
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    LeaseKeeper realTime = new LeaseKeeper(hangsOnM1, Scheduler.of(timer), Duration.ofSeconds(2));
    try (LeaseKeeper.HeldLease hung = realTime.hold(message("m1"));
        LeaseKeeper.HeldLease other = realTime.hold(message("m2"))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> extended.contains("m1"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> extended.stream().filter("m2"::equals).count() >= 2);
      assertThat(other.isLost()).isFalse();
    } finally {
      answer.countDown();
      timer.shutdownNow();
    }
  }

  @Test
  void revokingAFinishedLeaseDoesNothing() {
    LeaseKeeper.HeldLease lease = keeper.hold(message("m1"));
    lease.close();

    assertThat(lease.revoke("shutdown")).isFalse();
    assertThat(lease.isLost()).isFalse();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }
}
