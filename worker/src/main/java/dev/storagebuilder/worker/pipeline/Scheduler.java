package dev.storagebuilder.worker.pipeline;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs a task later. Injected so lease tests advance time by hand instead of sleeping. */
public interface Scheduler {
  /** Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not started. */
  Cancellable schedule(Runnable task, Duration delay);

  /**
   * The time {@link #schedule} counts delays in, as {@link System#nanoTime()} does: a deadline
   * taken from it (a message's receipt) and a delay scheduled later agree even when time is faked.
   */
  default long nanoTime() {
    return System.nanoTime();
  }

  interface Cancellable {
    void cancel();
  }

  static Scheduler of(ScheduledExecutorService executor) {
    return (task, delay) -> {
      ScheduledFuture<?> future = executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
      return () -> future.cancel(false);
    };
  }
}
