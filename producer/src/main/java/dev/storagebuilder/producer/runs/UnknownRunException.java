package dev.storagebuilder.producer.runs;

/** No run with this id in the ledger: answered 404. */
public final class UnknownRunException extends RuntimeException {
  public UnknownRunException(String runId) {
    super("no run '" + runId + "' in the run ledger");
  }
}
