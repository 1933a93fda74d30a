package dev.storagebuilder.worker.port;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A streaming read of what changed in one client's rows of one target since a watermark, inside one
 * consistent snapshot of the source. Re-reading a change a previous read delivered is allowed (the
 * snapshot reader de-duplicates by key and version); missing one never is.
 */
public interface ChangeRead extends AutoCloseable {
  /**
   * Live rows whose version is above {@link #fromVersion()}: declared columns 1..n in order. Call
   * after {@link #deletes()} is consumed (one cursor at a time).
   */
  ResultSet upserts() throws SQLException;

  /**
   * Keys deleted above {@link #fromVersion()}: the key columns 1..k in declaration order, then the
   * delete's version at k+1. Read first: a key deleted and re-inserted in one transaction has a
   * tombstone and a live row of the same version, and the delta lists the live row last.
   */
  ResultSet deletes() throws SQLException;

  /** The exclusive lower bound actually read: the watermark minus the dialect's overlap window. */
  long fromVersion();

  /**
   * The safe high watermark: no change at or below it can still become visible later. Never below
   * the watermark the read started from.
   */
  long watermark();

  @Override
  void close() throws SQLException;
}
