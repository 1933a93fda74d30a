package dev.storagebuilder.worker.pipeline;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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

  /**
   * {@code timer} only keeps time: each task runs on a thread of its own, so one that blocks (a
   * heartbeat's ChangeMessageVisibility waiting out the SDK's timeouts and retries, minutes) does
   * not hold up the tasks that fall due meanwhile (the other messages' heartbeats, whose visibility
   * would run out). A task cancelled after it fell due but before its thread started does not run.
   */
  static Scheduler of(ScheduledExecutorService timer) {
    ExecutorService runner =
        Executors.newCachedThreadPool(Thread.ofPlatform().name("scheduled-task-", 0).daemon(true).factory());
    return (task, delay) -> {
      AtomicBoolean cancelled = new AtomicBoolean();
      Runnable unlessCancelled = () -> {
        if (!cancelled.get()) {
          task.run();
        }
      };
      ScheduledFuture<?> future =
          timer.schedule(() -> runner.execute(unlessCancelled), delay.toMillis(), TimeUnit.MILLISECONDS);
      return () -> {
        cancelled.set(true);
        future.cancel(false);
      };
    };
  }
}
