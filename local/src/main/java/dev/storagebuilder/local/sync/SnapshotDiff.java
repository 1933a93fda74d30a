package dev.storagebuilder.local.sync;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.JdbcValues;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SqlDialect;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.common.target.TargetSql;
import dev.storagebuilder.local.verify.SnapshotVerifier;
import dev.storagebuilder.local.verify.TargetVerification;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code ./sb verify}: counts and checksums per target, and with {@code deep} a row-by-row diff. */
public final class SnapshotDiff {
  private static final int MAX_DIFFERENCES = 10;

  private final SourceConfig source;
  private final VersionLedger versions;
  private final ObjectStore store;
  private final PrintStream out;
  private final UrlDataSource dataSource;

  public SnapshotDiff(SourceConfig source, VersionLedger versions, ObjectStore store, PrintStream out) {
    this.source = source;
    this.versions = versions;
    this.store = store;
    this.out = out;
    this.dataSource = new UrlDataSource(source.jdbcUrl(), source.username(), source.password());
  }

  /** Verifies the selected targets (null = all); true when every one matches. */
  public boolean verify(String client, String target, boolean deep) throws SQLException, IOException {
    List<String> clients = client != null ? List.of(client) : SyncRunner.clients(dataSource, source);
    SnapshotVerifier verifier = new SnapshotVerifier(dataSource, source, versions, store);
    int checked = 0;
    int matching = 0;
    for (String c : clients) {
      for (TargetDeclaration declaration : source.targets()) {
        if (target != null && !declaration.name().equals(target)) {
          continue;
        }
        TargetRef ref = new TargetRef(c, declaration.name());
        TargetVerification result = verifier.verify(ref);
        boolean ok = result.matches();
        if (deep && versions.current(ref).isPresent()) {
          ok &= deepCompare(ref, declaration);
        }
        checked++;
        matching += ok ? 1 : 0;
        out.printf("%-8s %s/%s  source %,d rows, snapshot %,d rows%s%n", ok ? "OK" : "MISMATCH", c, declaration.name(),
            result.sourceRows(), result.snapshotRows(), result.problem() == null ? "" : "  " + result.problem());
      }
    }
    if (checked == 0) {
      throw new IllegalArgumentException("no target matches --client/--target");
    }
    out.printf("%d/%d targets match their source%n", matching, checked);
    return matching == checked;
  }

  private boolean deepCompare(TargetRef ref, TargetDeclaration declaration) throws SQLException, IOException {
    List<String> sourceRows = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement select = connection.prepareStatement(TargetSql.selectAll(declaration))) {
        select.setFetchSize(5_000);
        SqlDialect.of(connection).bindClientId(select, 1, ref.clientId());
        try (ResultSet rows = select.executeQuery()) {
          JdbcValues values = JdbcValues.of(declaration);
          while (rows.next()) {
            sourceRows.add(PostgresCsv.line(declaration.columns(), values.read(rows)));
          }
        }
      } finally {
        connection.rollback();
      }
    }
    List<String> snapshotRows = new ArrayList<>();
    Optional<TargetVersion> version = versions.current(ref);
    try (CloseableIterator<Object[]> rows =
        SnapshotReader.open(store, ManifestCodec.decode(store.get(version.orElseThrow().manifestKey()))).rows()) {
      while (rows.hasNext()) {
        snapshotRows.add(PostgresCsv.line(declaration.columns(), rows.next()));
      }
    }
    sourceRows.sort(null);
    snapshotRows.sort(null);
    int i = 0;
    int j = 0;
    int differences = 0;
    while (i < sourceRows.size() || j < snapshotRows.size()) {
      int order = i == sourceRows.size() ? 1 : j == snapshotRows.size() ? -1 : sourceRows.get(i).compareTo(snapshotRows.get(j));
      if (order == 0) {
        i++;
        j++;
        continue;
      }
      if (differences++ < MAX_DIFFERENCES) {
        out.println("  " + ref + (order < 0 ? "  only in source:   " + sourceRows.get(i) : "  only in snapshot: " + snapshotRows.get(j)));
      }
      if (order < 0) {
        i++;
      } else {
        j++;
      }
    }
    if (differences > MAX_DIFFERENCES) {
      out.println("  " + ref + "  ... " + (differences - MAX_DIFFERENCES) + " more differences");
    }
    return differences == 0;
  }
}
