package dev.storagebuilder.worker.testing;

import dev.storagebuilder.common.slots.SourceSlots;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Slots in memory with a cap, recording acquisitions, renewals and releases as lines. */
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

  /** {@code acquire h}, {@code busy h}, {@code renew h}, {@code release h}. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  public List<String> holders() {
    return List.copyOf(holders);
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
            if (holders.remove(holder)) {
              calls.add("release " + holder);
            }
          }
        });
  }
}
