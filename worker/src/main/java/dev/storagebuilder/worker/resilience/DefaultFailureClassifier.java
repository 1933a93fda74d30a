package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.common.snapshot.SnapshotDataException;
import dev.storagebuilder.common.snapshot.SnapshotFormatException;
import dev.storagebuilder.worker.port.FailureClassifier;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientException;
import java.sql.SQLRecoverableException;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Retryable: AWS errors a later attempt can outlive (5xx, throttling, network), SQLSTATE class 08 (connection), 40001/40P01
 * (serialization failure, deadlock), 57P0x (server shutting down), timeouts (also PostgreSQL's statement and lock
 * timeouts, 57014 and 55P03) and I/O errors, a call refused by an
 * open circuit breaker (the dependency is down), and a snapshot of a format a later release writes (a rolling
 * deployment's new tasks can read it).
 * Permanent: data that cannot be serialized, a stored snapshot this build cannot read, SQL syntax/schema errors (class 42: the declaration does
 * not match the source), and anything else we do not recognise — retrying an unknown bug only
 * burns receives, and the DLQ keeps the message for a redrive once it is fixed.
 */
public final class DefaultFailureClassifier implements FailureClassifier {
  @Override
  public Failure classify(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof CallNotPermittedException) {
        return new Failure(true, "dependency-unavailable", describe(cause));
      }
      if (cause instanceof SnapshotFormatException format) {
        // A later release wrote it: in a rolling deployment, one of its tasks can take the retry.
        // Otherwise unreadable for good, even when a parser's IOException says why.
        return format.newerThanThisBuild()
            ? new Failure(true, "snapshot-format-newer", describe(cause))
            : new Failure(false, "snapshot-format", describe(cause));
      }
      if (cause instanceof SnapshotDataException) {
        return new Failure(false, "unserializable-data", describe(cause));
      }
      if (cause instanceof SQLException sql) {
        return classifySql(sql);
      }
      if (cause instanceof SdkException sdk) {
        boolean retryable = AwsErrors.isTransient(sdk);
        return new Failure(retryable, retryable ? "aws-unavailable" : "aws-rejected", describe(sdk));
      }
      if (cause instanceof TimeoutException || cause instanceof IOException || cause instanceof UncheckedIOException) {
        return new Failure(true, "io-error", describe(cause));
      }
    }
    return new Failure(false, "unexpected-error", describe(error));
  }

  private static Failure classifySql(SQLException sql) {
    String state = sql.getSQLState() == null ? "" : sql.getSQLState();
    boolean retryable =
        sql instanceof SQLTransientException
            || sql instanceof SQLRecoverableException
            || isConnectionLoss(sql)
            || state.startsWith("08")
            || state.equals("40001")
            || state.equals("40P01")
            || state.startsWith("57P")
            // PostgreSQL's statement_timeout (or a DBA's pg_cancel_backend) and lock_timeout (a read
            // waiting behind a migration's lock): plain PSQLExceptions, not SQLTimeoutExceptions.
            || state.equals("57014")
            || state.equals("55P03")
            || state.equals("HYT00")
            || sql.getErrorCode() == 1213; // MariaDB deadlock
    if (retryable) {
      return new Failure(true, "source-unavailable", describe(sql));
    }
    if (state.startsWith("42")) {
      return new Failure(false, "schema-mismatch", describe(sql));
    }
    return new Failure(false, "source-error", describe(sql));
  }

  /**
   * The connection (not the statement) failed: the database is down or unreachable, which a later
   * attempt outlives. JDBC calls this "non-transient" (it will not heal without the cause fixed),
   * and H2 reports it with its own codes (90028 I/O, 90067 connection broken, 90121 closed) rather
   * than SQLSTATE 08.
   */
  public static boolean isConnectionLoss(SQLException sql) {
    if (sql instanceof SQLNonTransientConnectionException) {
      return true;
    }
    int code = sql.getErrorCode();
    if (code == 90028 || code == 90067 || code == 90121) {
      return true;
    }
    for (Throwable cause = sql.getCause(); cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof java.net.SocketException || cause instanceof java.io.EOFException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
