package dev.storagebuilder.worker.jdbc;

import java.sql.SQLException;
import java.time.Duration;

/**
 * A request to cancel the statement a read's connection runs, sent from a thread of its own: a
 * driver's cancel opens a new connection to the source and waits for its answer (PgJDBC up to its
 * {@code cancelSignalTimeout}, 10 s). On a source that stopped answering, the target's unwind waited
 * that long on the cancel even once the read's own connection was aborted (a stop, a lost lease),
 * which ends the read at once: the target's close races the abort, which comes from other threads.
 *
 * <p>One feed's: {@link #send} and {@link #awaitUnlessConnectionGone} on the consumer's thread,
 * {@link #noteFailure} on the reader's.
 */
final class CancelRequest {
  /** The driver's cancel of the statement in progress. */
  interface Action {
    void cancel() throws SQLException;
  }

  /**
   * Whether the driver's connection closed (aborted): asked of the driver's own connection, not of
   * a pool's proxy, which still reads as open then. No I/O, no lock.
   */
  interface Closed {
    boolean closed() throws SQLException;
  }

  /** How often a wait for the cancel looks again whether the connection went meanwhile (an abort). */
  private static final Duration RECHECK = Duration.ofMillis(100);

  private final Action action;
  private final Closed closed;
  /**
   * A read failed for want of the connection (SQLSTATE class 08: reset, closed, aborted): nothing
   * follows on it, so a cancel still on its way can land on no later statement.
   */
  private volatile boolean connectionLost;

  private Thread sending;

  CancelRequest(Action action, Closed closed) {
    this.action = action;
    this.closed = closed;
  }

  /** Sends the cancel once, from a thread of its own; returns at once. */
  void send() {
    if (sending == null) {
      sending = Thread.ofPlatform().daemon(true).name("statement-cancel").start(this::cancel);
    }
  }

  private void cancel() {
    try {
      action.cancel();
    } catch (SQLException | RuntimeException e) {
      // closed meanwhile (aborted), or the cancel could not be sent: the read ends either way,
      // with the statement or with the connection
    }
  }

  /** Notes a read's failure; one for want of the connection means no statement follows on it. */
  void noteFailure(SQLException failure) {
    String state = failure.getSQLState();
    if (state != null && state.startsWith("08")) {
      connectionLost = true;
    }
  }

  /** Whether a read failed for want of the connection, or the driver knows it closed (no I/O, no lock). */
  boolean connectionGone() {
    try {
      return connectionLost || closed.closed();
    } catch (SQLException e) {
      return true;
    }
  }

  /**
   * Waits for a cancel still on its way while the connection lives: once the statement ended on its
   * own, a late cancel would cancel the connection's next one instead (the rollback, or another
   * target's read once the connection is back in the pool). The driver bounds the wait (PgJDBC: its
   * {@code cancelSignalTimeout} to connect and to hear back); on a live source it is a round trip.
   */
  void awaitUnlessConnectionGone() {
    Thread cancel = sending;
    if (cancel == null) {
      return;
    }
    boolean interrupted = false;
    while (cancel.isAlive() && !connectionGone()) {
      try {
        cancel.join(RECHECK);
      } catch (InterruptedException e) {
        interrupted = true; // a lost lease's: kept for the caller; its abort ends this wait
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
