package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.TargetMessage;
import java.util.List;

/** Puts a run's messages on the work queue. */
public interface TargetMessageSender {
  /**
   * Fails when the queue cannot be used at all (its URL cannot be looked up, say), so a run is
   * refused before it is recorded rather than recorded with nothing sent.
   *
   * @throws dev.storagebuilder.producer.ServiceUnavailableException when the queue is unusable
   */
  default void requireReachable() {}

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
