package dev.storagebuilder.worker.port;

import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.SQLException;

/** The tenant database the snapshots are built from. */
public interface RowSource {
  boolean clientExists(String clientId) throws SQLException;

  /** Throws unless the source answers now (a cheap round trip; the breaker's probe). */
  default void checkAvailable() throws SQLException {
    clientExists("");
  }

  /** All of one client's rows of a target, with the watermark they are complete up to. */
  SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException;

  /**
   * What changed in one client's rows of a target since {@code watermark} (see {@link ChangeRead}).
   * Sources that cannot read changes leave this unsupported; the pipeline then reads everything.
   */
  default ChangeRead readChanges(TargetDeclaration target, String clientId, long watermark)
      throws SQLException {
    throw new UnsupportedOperationException("this source reads full snapshots only");
  }
}
