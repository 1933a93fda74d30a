package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.MessageLoop;
import dev.storagebuilder.worker.pipeline.Outcome;
import dev.storagebuilder.worker.port.ReceivedMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The message loop's meters, fed by its listener hook so the pipeline stays free of Micrometer.
 * Names (Prometheus form in brackets):
 *
 * <ul>
 *   <li>{@code storage_builder.worker.messages.received} [storage_builder_worker_messages_received_total]
 *   <li>{@code storage_builder.worker.messages.processed{outcome=done|retry|rejected}}
 *   <li>{@code storage_builder.worker.messages.failed{outcome=retry|rejected, reason}}: the reason is the
 *       DLQ reason code for rejections, "retry" otherwise (a small, fixed set: no ids in tags)
 *   <li>{@code storage_builder.worker.message.duration{outcome}}: a timer with percentiles histogram
 *   <li>{@code storage_builder.worker.targets.inflight}: messages received and not yet finished or
 *       handed back (running, or waiting for a thread)
 *   <li>{@code storage_builder.worker.receive.failures}
 * </ul>
 *
 * Rows, bytes and target durations come from {@link MeteredRunLedger}.
 */
final class WorkerMetrics implements MessageLoop.LoopListener {
  private final MeterRegistry registry;
  private final Counter received;
  private final Counter receiveFailures;
  private final AtomicInteger inFlight = new AtomicInteger();

  WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.received =
        Counter.builder("storage_builder.worker.messages.received")
            .description("Messages received from the work queue")
            .register(registry);
    this.receiveFailures =
        Counter.builder("storage_builder.worker.receive.failures")
            .description("Receive calls that failed after the SDK's retries")
            .register(registry);
    Gauge.builder("storage_builder.worker.targets.inflight", inFlight, AtomicInteger::get)
        .description("Targets received and not yet finished")
        .register(registry);
    for (String outcome : new String[] {"done", "retry", "rejected"}) {
      processed(outcome); // present from the start, so dashboards see zeros rather than gaps
    }
  }

  @Override
  public void received(int count) {
    received.increment(count);
    inFlight.addAndGet(count);
  }

  @Override
  public void finished(ReceivedMessage message, Outcome outcome, Duration took) {
    inFlight.decrementAndGet();
    String name =
        switch (outcome) {
          case Outcome.Done done -> "done";
          case Outcome.RetryLater retry -> "retry";
          case Outcome.Postpone postpone -> "postponed";
          case Outcome.Abandoned abandoned -> "abandoned";
          case Outcome.Reject reject -> "rejected";
        };
    processed(name).increment();
    if (!(outcome instanceof Outcome.Done)) {
      String reason = outcome instanceof Outcome.Reject reject ? reject.reasonCode() : name;
      Counter.builder("storage_builder.worker.messages.failed")
          .description("Messages that did not finish: retried later or dead-lettered")
          .tag("outcome", name)
          .tag("reason", reason == null ? "unknown" : reason)
          .register(registry)
          .increment();
    }
    Timer.builder("storage_builder.worker.message.duration")
        .description("From receipt to acknowledgement, per message")
        .tag("outcome", name)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  /** A message that never ran, handed back: it leaves this worker like a finished one. */
  @Override
  public void released(ReceivedMessage message, String why) {
    inFlight.decrementAndGet();
  }

  @Override
  public void receiveFailed(RuntimeException error) {
    receiveFailures.increment();
  }

  int inFlight() {
    return inFlight.get();
  }

  private Counter processed(String outcome) {
    return Counter.builder("storage_builder.worker.messages.processed")
        .description("Messages processed, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }
}
