package dev.storagebuilder.worker.testing;

import dev.storagebuilder.worker.pipeline.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A scheduler whose time moves only when a test advances it. */
public final class ManualScheduler implements Scheduler {
  private final List<Task> tasks = new ArrayList<>();
  private long nowMillis;

  private final class Task implements Cancellable {
    final Runnable action;
    final long dueMillis;
    boolean cancelled;

    Task(Runnable action, long dueMillis) {
      this.action = action;
      this.dueMillis = dueMillis;
    }

    @Override
    public void cancel() {
      synchronized (ManualScheduler.this) {
        cancelled = true;
      }
    }
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    Task scheduled = new Task(task, nowMillis + delay.toMillis());
    tasks.add(scheduled);
    return scheduled;
  }

  /** This scheduler's time: only {@link #advance} moves it. */
  @Override
  public synchronized long nanoTime() {
    return TimeUnit.MILLISECONDS.toNanos(nowMillis);
  }

  /** Moves time forward, running every task that falls due on the way, in due order. */
  public void advance(Duration by) {
    long target;
    synchronized (this) {
      target = nowMillis + by.toMillis();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> !t.cancelled && t.dueMillis <= target)
            .min(Comparator.comparingLong(t -> t.dueMillis)).orElse(null);
        if (next == null) {
          nowMillis = target;
          return;
        }
        tasks.remove(next);
        nowMillis = next.dueMillis;
      }
      next.action.run();
    }
  }

  public synchronized long pending() {
    return tasks.stream().filter(t -> !t.cancelled).count();
  }
}
