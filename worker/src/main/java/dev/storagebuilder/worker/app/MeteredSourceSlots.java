package dev.storagebuilder.worker.app;

import dev.storagebuilder.common.slots.SourceSlots;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source slots, metered where the pipeline already asks for them (keeps Micrometer out of it):
 *
 * <ul>
 *   <li>{@code storage_builder.worker.source.slot.waits}
 *       [storage_builder_worker_source_slot_waits_total]: targets postponed because every slot was
 *       taken. Steadily rising means the cap, not the fleet size, bounds throughput.
 *   <li>{@code storage_builder.worker.source.slots.held}: slots this worker holds now.
 *   <li>{@code storage_builder.worker.source.slot.lost}: renewals that found the slot reclaimed and
 *       none free (the cap was exceeded by one for a while).
 * </ul>
 */
final class MeteredSourceSlots implements SourceSlots {
  private final SourceSlots delegate;
  private final Counter waits;
  private final Counter lost;
  private final AtomicInteger held = new AtomicInteger();

  MeteredSourceSlots(SourceSlots delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.waits =
        Counter.builder("storage_builder.worker.source.slot.waits")
            .description("Targets postponed because every slot of the source was taken")
            .register(registry);
    this.lost =
        Counter.builder("storage_builder.worker.source.slot.lost")
            .description("Slot renewals that found the slot reclaimed and no slot free")
            .register(registry);
    Gauge.builder("storage_builder.worker.source.slots.held", held, AtomicInteger::get)
        .description("Source slots this worker holds")
        .register(registry);
  }

  @Override
  public Optional<Slot> tryAcquire(String holder) {
    Optional<Slot> slot = delegate.tryAcquire(holder);
    if (slot.isEmpty()) {
      waits.increment();
      return slot;
    }
    held.incrementAndGet();
    Slot inner = slot.get();
    AtomicBoolean closed = new AtomicBoolean();
    return Optional.of(
        new Slot() {
          @Override
          public boolean renew() {
            boolean renewed = inner.renew();
            if (!renewed && !closed.get()) {
              lost.increment();
            }
            return renewed;
          }

          @Override
          public void close() {
            if (closed.compareAndSet(false, true)) {
              held.decrementAndGet();
            }
            inner.close();
          }
        });
  }
}
