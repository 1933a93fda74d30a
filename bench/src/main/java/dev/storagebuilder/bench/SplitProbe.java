package dev.storagebuilder.bench;

import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotWriter;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Splits the worker's time by running its stages in this JVM on the same rows, with the worker's
 * settings (PostgreSQL {@code prepareThreshold=-1}, fetch size 5000, autocommit off, the writer's
 * defaults): the database alone (rows fetched, every column decoded) and database + serialize +
 * compress into a discarding output. The worker's receive-to-commit time minus the second is upload
 * and commit.
 */
final class SplitProbe {
  static final int FETCH_SIZE = 5_000;

  record Split(double databaseSeconds, double writeSeconds, long rows, long bytes) {}

  private SplitProbe() {}

  static Split measure(String jdbcUrl, TargetDeclaration target, String clientId, SnapshotWriterOptions options)
      throws SQLException, IOException {
    String url = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "prepareThreshold=-1";
    long rows = 0;
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target))) {
        s.setFetchSize(FETCH_SIZE);
        s.setString(1, clientId);
        int columns = target.columns().size();
        long sink = 0;
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            for (int i = 1; i <= columns; i++) {
              Object value = rs.getObject(i);
              sink += value == null ? 0 : 1;
            }
            rows++;
          }
        }
        if (sink < 0) {
          throw new IllegalStateException("unreachable");
        }
      }
      c.commit();
    }
    double database = (System.nanoTime() - start) / 1e9;

    DiscardingOutput out = new DiscardingOutput();
    start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(TargetSql.selectAll(target))) {
        s.setFetchSize(FETCH_SIZE);
        s.setString(1, clientId);
        SnapshotWriter writer = SnapshotWriter.open(target, SnapshotKind.BASE, out, options);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            writer.writeRow(rs);
          }
        }
        writer.finish();
      }
      c.commit();
    }
    double write = (System.nanoTime() - start) / 1e9;
    return new Split(database, write, rows, out.position());
  }

  /** Counts bytes and keeps none: the upload is measured elsewhere. */
  static final class DiscardingOutput extends ObjectOutput {
    private long position;

    @Override
    public long position() {
      return position;
    }

    @Override
    public void write(int b) {
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      position += len;
    }

    @Override
    public void abort() {}

    @Override
    public void close() {}
  }
}
