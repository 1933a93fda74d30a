package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ledger.RunLedger;
import java.util.concurrent.CompletionStage;

/**
 * How a target's success reaches the run ledger. Its message is finished (deleted from the queue)
 * once the returned stage completes normally; if it fails, the message is postponed (a fresh copy,
 * no delivery spent), and that delivery, finding the version committed by its run, records the success.
 */
public interface SuccessRecorder {
  CompletionStage<Void> record(RunLedger.Success success);

  /** Writes each success at once on the calling thread; a failure is thrown, not returned. */
  static SuccessRecorder direct(RunLedger runs) {
    return success -> {
      if (success.markedRunning()) {
        runs.markOutcome(success.runId(), success.progress());
      } else {
        runs.markFinished(success.runId(), success.progress());
      }
      return Outcome.Done.RECORDED;
    };
  }
}
