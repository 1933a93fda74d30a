package dev.storagebuilder.local.verify;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RowChecksum;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SqlDialect;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Compares every snapshot with its source: the rows the common reader streams back from S3 against
 * the rows the source holds now, by count and order-independent content checksum. Also checks the
 * counts and checksums recorded at commit, so a corrupt version record is caught too.
 */
public final class SnapshotVerifier {
  private final DataSource source;
  private final SourceConfig config;
  private final VersionLedger versions;
  private final ObjectStore store;

  public SnapshotVerifier(DataSource source, SourceConfig config, VersionLedger versions, ObjectStore store) {
    this.source = source;
    this.config = config;
    this.versions = versions;
    this.store = store;
  }

  public List<TargetVerification> verifyAll(List<String> clients) throws SQLException, IOException {
    List<TargetVerification> results = new ArrayList<>();
    for (String client : clients) {
      for (TargetDeclaration target : config.targets()) {
        results.add(verify(new TargetRef(client, target.name())));
      }
    }
    return results;
  }

  public TargetVerification verify(TargetRef ref) throws SQLException, IOException {
    TargetDeclaration declaration =
        config.target(ref.target()).orElseThrow(() -> new IllegalArgumentException("unknown target " + ref.target()));
    RowChecksum sourceSum = sourceChecksum(declaration, ref.clientId());
    Optional<TargetVersion> version = versions.current(ref);
    if (version.isEmpty()) {
      return new TargetVerification(ref, sourceSum.count(), 0, sourceSum.toHex(), "-", "no version committed");
    }
    Manifest manifest = ManifestCodec.decode(store.get(version.get().manifestKey()));
    RowChecksum snapshotSum = new RowChecksum(declaration.columns());
    try (CloseableIterator<Object[]> rows = SnapshotReader.open(store, manifest).rows()) {
      while (rows.hasNext()) {
        snapshotSum.add(rows.next());
      }
    }
    String problem = null;
    if (snapshotSum.count() != sourceSum.count() || !snapshotSum.toHex().equals(sourceSum.toHex())) {
      problem = "snapshot has " + snapshotSum.count() + " rows (" + snapshotSum.toHex() + "), source has "
          + sourceSum.count() + " (" + sourceSum.toHex() + ")";
    } else if (version.get().rowCount() != snapshotSum.count()
        || !version.get().contentChecksum().equals(snapshotSum.toHex())) {
      problem = "version record says " + version.get().rowCount() + " rows (" + version.get().contentChecksum()
          + ") but the snapshot holds " + snapshotSum.count() + " (" + snapshotSum.toHex() + ")";
    }
    return new TargetVerification(ref, sourceSum.count(), snapshotSum.count(), sourceSum.toHex(), snapshotSum.toHex(), problem);
  }

  private RowChecksum sourceChecksum(TargetDeclaration target, String clientId) throws SQLException {
    String sql = TargetSql.selectAll(target);
    RowChecksum checksum = new RowChecksum(target.columns());
    JdbcValues values = JdbcValues.of(target);
    try (Connection connection = source.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        statement.setFetchSize(5_000);
        SqlDialect.of(connection).bindClientId(statement, 1, clientId);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            checksum.add(values.read(rows));
          }
        }
      } finally {
        connection.rollback();
      }
    }
    return checksum;
  }
}
