package dev.storagebuilder.worker.jdbc;

import com.zaxxer.hikari.SQLExceptionOverride;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import java.sql.SQLException;

/**
 * Tells HikariCP to drop a connection whose failure was a connection loss it does not recognise by
 * itself (H2 reports them without SQLSTATE 08): otherwise the pool hands the dead connection out
 * again and every read after an outage fails with "database is already closed".
 */
public final class EvictOnConnectionLoss implements SQLExceptionOverride {
  @java.lang.Override
  public Override adjudicate(SQLException sqlException) {
    return DefaultFailureClassifier.isConnectionLoss(sqlException) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
  }
}
