package dev.storagebuilder.worker.pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts what {@link RetiredObjectDeletions} is told into the tests' own counters. */
final class CountingDeletions implements RetiredObjectDeletions {
  private final AtomicInteger deleted;
  private final AtomicInteger failed;

  CountingDeletions(AtomicInteger deleted, AtomicInteger failed) {
    this.deleted = deleted;
    this.failed = failed;
  }

  /** Counts deletes only. */
  CountingDeletions(AtomicInteger deleted) {
    this(deleted, new AtomicInteger());
  }

  @Override
  public void deleted() {
    deleted.incrementAndGet();
  }

  @Override
  public void failed() {
    failed.incrementAndGet();
  }
}
