package dev.storagebuilder.worker.port;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A streaming read of one client's rows of one target. {@link #rows()} yields the declared columns
 * at positions 1..n in declaration order; the cursor streams (fetch size set), never a whole table.
 */
public interface SourceRead extends AutoCloseable {
  ResultSet rows();

  /**
   * The source version this read is complete up to: every row with a version at or below it is in
   * {@link #rows()} (or deliberately excluded by the read's filter), as far as {@link
   * #watermarkSettled()} vouches; else only every such row visible to this read.
   */
  long watermark();

  /** As {@link ChangeRead#watermarkSettled()}: whether no row at or below the watermark can still appear. */
  boolean watermarkSettled();

  /**
   * Nanoseconds the consumer of {@link #rows()} has spent waiting for the source so far: opening
   * the read is the caller's to time, this is the wait for rows not yet fetched. 0 when not told.
   */
  default long rowWaitNanos() {
    return 0;
  }

  @Override
  void close() throws SQLException;
}
