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
   * The high watermark: the next read starts from it. Never below the watermark the read started
   * from. Safe for good when {@link #watermarkSettled()}; else the next read re-reads an overlap
   * window below it.
   */
  long watermark();

  /**
   * Whether no change at or below {@link #watermark()} can still become visible later (PostgreSQL's
   * settle step). False where the watermark is only the highest version this read saw (MariaDB/MySQL,
   * H2): a transaction holding a lower version may commit after it, so another read with the same
   * watermark but an earlier snapshot may lack a row this one read.
   */
  boolean watermarkSettled();

  @Override
  void close() throws SQLException;
}
