package dev.storagebuilder.worker.port;

/**
 * The source reads in progress, as a stop sees them. A read blocked on the socket of a source that
 * stopped answering (a partition, a frozen host) is reached by no interrupt, and a statement cancel
 * has to reach the same source: only aborting its connection ends it before the read timeout.
 */
public interface OpenReads {
  /** For sources without connections to abort (tests, in-process databases). */
  OpenReads NONE = () -> 0;

  /**
   * Aborts the connection of every read in progress, and waits for none of them: each read fails
   * on the thread that waits in it, with an error its target abandons. Returns how many it aborted.
   */
  int abortAll();
}
