package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When a read's close waits for its cancel: while the connection lives (a late cancel would land on
 * its next statement), never once it is gone (a cancel the frozen source holds held the unwind). The
 * cancel here waits on a latch, as a driver's does on a source that does not answer it.
 */
class CancelRequestTest {
  private final CountDownLatch answered = new CountDownLatch(1);
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CancelRequest request =
      new CancelRequest(
          () -> {
            sent.incrementAndGet();
            try {
              answered.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          closed::get);

  @AfterEach
  void answer() {
    answered.countDown();
  }

  @Test
  void aCancelStillOnItsWayIsWaitedForWhileTheConnectionLives() {
    request.send();
    Thread closing = Thread.ofPlatform().start(request::awaitUnlessConnectionGone);

    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(closing::isAlive);
    answered.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> !closing.isAlive());
    assertThat(sent).hasValue(1);
  }

  @Test
  void aReadThatFailedForAnythingButItsConnectionStillWaitsForTheCancel() {
    request.send();
    request.noteFailure(new SQLException("canceling statement due to statement timeout", "57014"));
    Thread closing = Thread.ofPlatform().start(request::awaitUnlessConnectionGone);

    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(closing::isAlive);
    assertThat(request.connectionGone()).isFalse();
  }

  @Test
  void aConnectionLostUnderTheReadIsNotWaitedFor() {
    request.send();
    request.noteFailure(new SQLException("An I/O error occurred while sending to the backend.", "08006"));
    Thread closing = Thread.ofPlatform().start(request::awaitUnlessConnectionGone);

    await().atMost(Duration.ofSeconds(2)).until(() -> !closing.isAlive());
    assertThat(request.connectionGone()).isTrue();
  }

  @Test
  void aConnectionAbortedWhileTheCloseWaitsEndsTheWait() {
    request.send();
    Thread closing = Thread.ofPlatform().start(request::awaitUnlessConnectionGone);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(closing::isAlive);

    closed.set(true);

    await().atMost(Duration.ofSeconds(2)).until(() -> !closing.isAlive());
    assertThat(answered.getCount()).as("the cancel itself is still waiting").isOne();
  }

  @Test
  void theCancelIsSentOnceAndTheCallerDoesNotWaitForIt() {
    request.send();
    request.send();

    await().atMost(Duration.ofSeconds(5)).until(() -> sent.get() == 1);
    assertThat(answered.getCount()).as("send returned while the cancel waits").isOne();
    await().during(Duration.ofMillis(200)).until(() -> sent.get() == 1);
  }

  @Test
  void nothingIsWaitedForWhenNoCancelWasSent() {
    Thread closing = Thread.ofPlatform().start(request::awaitUnlessConnectionGone);

    await().atMost(Duration.ofSeconds(2)).until(() -> !closing.isAlive());
    assertThat(sent).hasValue(0);
  }
}
