package dev.storagebuilder.worker.port;

/**
 * The source reads in progress, as a stop or a lost lease sees them. A read blocked on the socket
 * of a source that stopped answering (a partition, a frozen host) is reached by no interrupt, and a
 * statement cancel has to reach the same source: only aborting its connection ends it before the
 * read timeout.
 */
public interface OpenReads {
  /** For sources without connections to abort (tests, in-process databases). */
  OpenReads NONE = new OpenReads() {
    @Override
    public int abortAll() {
      return 0;
    }

    @Override
    public int abortReadsOf(Thread reader) {
      return 0;
    }
  };

  /**
   * Aborts the connection of every read in progress, and waits for none of them: each read fails
   * on the thread that waits in it, with an error its target abandons. Returns how many it aborted.
   */
  int abortAll();

  /**
   * Aborts, as {@link #abortAll()} does, only the connections {@code reader} took and still holds:
   * those of the one target that thread runs. (A connection's rows may be fetched on another
   * thread; it is the thread that took the connection that owns it.) Returns how many it aborted.
   */
  int abortReadsOf(Thread reader);
}
