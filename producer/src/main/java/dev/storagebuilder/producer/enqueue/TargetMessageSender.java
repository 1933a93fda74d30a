package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.TargetMessage;
import java.util.List;

/** Puts a run's messages on the work queue. */
public interface TargetMessageSender {
  /**
   * Sends every message, retrying what can be retried; never throws for individual messages. The
   * order of {@code messages} is kept as far as batching allows.
   */
  SendReport send(List<TargetMessage> messages);

  /** What happened to a send: how many went out, and which did not, with why. */
  record SendReport(int sent, List<Failure> failures) {
    public SendReport {
      failures = List.copyOf(failures);
    }

    public record Failure(TargetRef target, String error) {}
  }
}
