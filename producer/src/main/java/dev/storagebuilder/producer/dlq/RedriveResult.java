package dev.storagebuilder.producer.dlq;

import java.util.List;

/** What a redrive did (or, for a dry run, would do). */
public sealed interface RedriveResult {

  /**
   * Everything is being moved back by the queue service; follow it with {@code GET
   * /api/dlq/redrive}.
   */
  record MoveTaskStarted(String mode, String taskHandle, long approximateNumberOfMessages)
      implements RedriveResult {
    public MoveTaskStarted(String taskHandle, long approximateNumberOfMessages) {
      this("move-task", taskHandle, approximateNumberOfMessages);
    }
  }

  /**
   * A filtered (or dry-run, or into-a-new-run) redrive.
   *
   * @param newRunId the run the moved messages joined when {@code run} is new and any moved
   * @param scanned DLQ messages read
   * @param complete false when the walk stopped at the scan limit or after receiving for a minute
   *     (run it again for the rest)
   * @param matched messages the filter selected
   * @param moved messages now on the work queue and gone from the DLQ (0 for a dry run)
   * @param failed matched messages whose send failed; they stay in the DLQ
   * @param skipped matched messages that cannot join a new run (their body is not a valid message);
   *     they stay in the DLQ
   * @param messages every matched message with its outcome
   */
  record Filtered(
      String mode,
      boolean dryRun,
      String run,
      String filter,
      String newRunId,
      int scanned,
      boolean complete,
      int matched,
      int moved,
      int failed,
      int skipped,
      List<Entry> messages)
      implements RedriveResult {
    public Filtered {
      messages = List.copyOf(messages);
    }
  }

  /**
   * One matched message.
   *
   * @param outcome {@code would-move}, {@code moved}, {@code send-failed} or {@code skipped}
   * @param error why it failed or was skipped, else null
   */
  record Entry(
      String messageId,
      String runId,
      String clientId,
      String target,
      String reason,
      String detail,
      String sentAt,
      String outcome,
      String error) {
    static Entry of(DlqMessage message, String outcome, String error) {
      return new Entry(
          message.messageId(),
          message.runId(),
          message.clientId(),
          message.target(),
          message.reason(),
          message.detail(),
          message.sentAt() == null ? null : message.sentAt().toString(),
          outcome,
          error);
    }
  }
}
