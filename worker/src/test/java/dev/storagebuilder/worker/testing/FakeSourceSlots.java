package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.slots.SourceSlots;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Slots in memory with a cap, recording acquisitions, renewals and releases as lines. A release on
 * an interrupted thread is aborted, as the SDK aborts the DynamoDB call of the real slots.
 */
public final class FakeSourceSlots implements SourceSlots {
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<String> holders = new CopyOnWriteArrayList<>();
  private volatile int capacity;

  public FakeSourceSlots(int capacity) {
    this.capacity = capacity;
  }

  public void capacity(int capacity) {
    this.capacity = capacity;
  }

  /** {@code acquire h}, {@code busy h}, {@code renew h}, {@code release h}, {@code aborted release h}. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  public List<String> holders() {
    return List.copyOf(holders);
  }

  /** As the AWS SDK does (AbortedException): a call made on an interrupted thread does not happen. */
  private void abortIfInterrupted(String call) {
    if (Thread.currentThread().isInterrupted()) {
      calls.add("aborted " + call);
      throw new IllegalStateException(call + " aborted: the calling thread is interrupted");
    }
  }

  @Override
  public synchronized Optional<Slot> tryAcquire(String holder) {
    if (holders.size() >= capacity) {
      calls.add("busy " + holder);
      return Optional.empty();
    }
    calls.add("acquire " + holder);
    holders.add(holder);
    return Optional.of(
        new Slot() {
          @Override
          public boolean renew() {
            calls.add("renew " + holder);
            return holders.contains(holder);
          }

          @Override
          public void close() {
            abortIfInterrupted("release " + holder);
            if (holders.remove(holder)) {
              calls.add("release " + holder);
            }
          }
        });
  }
}
