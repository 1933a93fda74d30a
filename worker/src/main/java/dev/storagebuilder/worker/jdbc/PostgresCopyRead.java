package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL fast path of a full read: the target's select runs as {@code COPY (...) TO STDOUT
 * (FORMAT binary)} and {@link BinaryCopyFeed} decodes it into the prefetch batches. The server sends
 * binary send-format values instead of formatting text, and the driver does no per-row result set
 * work, which roughly halves the source read of a large target.
 *
 * <p>Only when every column's source type decodes exactly as the JDBC path reads it; the types come
 * from describing the select (the COPY stream carries none). Otherwise the caller reads over JDBC.
 */
final class PostgresCopyRead {
  private static final Logger log = LoggerFactory.getLogger(PostgresCopyRead.class);
  /** Targets already logged as not eligible, so the reason is told once per process, not per read. */
  private static final Set<String> TOLD = ConcurrentHashMap.newKeySet();

  private PostgresCopyRead() {}

  /**
   * Starts the COPY of one client's rows on {@code connection}, in its current transaction; null when
   * the connection is not pgjdbc's or a column's type has no exact binary decoder.
   */
  static ResultSet open(Connection connection, TargetDeclaration target, String clientId) throws SQLException {
    if (!connection.isWrapperFor(PGConnection.class)) {
      return null;
    }
    String select = TargetSql.selectAll(target);
    String clientFilter = " WHERE " + target.clientColumn() + " = ?";
    if (select.indexOf('?') != select.lastIndexOf('?') || !select.contains(clientFilter)) {
      return null; // a '?' elsewhere (a quoted name): inlining the client id could hit the wrong one
    }
    List<ColumnDeclaration> columns = target.columns();
    BinaryCopyFeed.Decoder[] decoders = new BinaryCopyFeed.Decoder[columns.size()];
    int[] sqlTypes = new int[columns.size()];
    String[] typeNames = new String[columns.size()];
    try (PreparedStatement describe = connection.prepareStatement(select)) {
      ResultSetMetaData meta = describe.getMetaData(); // Parse/Describe only: nothing is executed
      if (meta == null || meta.getColumnCount() != columns.size()) {
        return null;
      }
      for (int c = 0; c < columns.size(); c++) {
        sqlTypes[c] = meta.getColumnType(c + 1);
        typeNames[c] = String.valueOf(meta.getColumnTypeName(c + 1));
        decoders[c] = BinaryCopyFeed.decoderFor(columns.get(c).type(), typeNames[c]);
        if (decoders[c] == null) {
          if (TOLD.add(target.name() + "/" + columns.get(c).name() + "/" + typeNames[c])) {
            log.info("target {} reads over JDBC, not COPY: column {} is {} in the source, declared {}",
                target.name(), columns.get(c).name(), typeNames[c], columns.get(c).type());
          }
          return null;
        }
      }
    }
    PGConnection pg = connection.unwrap(PGConnection.class);
    String sql =
        "COPY ("
            + select.replace(clientFilter, " WHERE " + target.clientColumn() + " = '" + pg.escapeLiteral(clientId) + "'")
            + ") TO STDOUT (FORMAT binary)";
    CopyOut copy = pg.getCopyAPI().copyOut(sql);
    BinaryCopyFeed feed = new BinaryCopyFeed(pg, copy, decoders);
    try {
      return new PrefetchingResultSet(
          feed, target, PrefetchingResultSet.snapshotMetaData(sqlTypes.length, sqlTypes, typeNames));
    } catch (SQLException | RuntimeException e) {
      feed.close();
      throw e;
    }
  }
}
