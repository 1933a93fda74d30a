package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotFileStats;
import dev.storagebuilder.common.snapshot.SnapshotKind;
import dev.storagebuilder.common.snapshot.SnapshotObject;
import dev.storagebuilder.common.snapshot.SnapshotWriter;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Streams a target's rows from the source into new snapshot objects and a new manifest. Nothing it
 * writes is visible to readers until the caller commits the returned version.
 */
public final class SnapshotBuilder {
  private static final int CANCEL_CHECK_MASK = 1023;
  private final RowSource source;
  private final ObjectStore store;
  private final StorageLayout layout;
  private final SnapshotWriterOptions writerOptions;
  private final Clock clock;

  public SnapshotBuilder(
      RowSource source, ObjectStore store, StorageLayout layout, SnapshotWriterOptions writerOptions, Clock clock) {
    this.source = source;
    this.store = store;
    this.layout = layout;
    this.writerOptions = writerOptions;
    this.clock = clock;
  }

  public boolean clientExists(String clientId) throws SQLException {
    return source.clientExists(clientId);
  }

  public BuiltSnapshot build(TargetDeclaration declaration, TargetMessage message, Optional<TargetVersion> current)
      throws SQLException, IOException {
    TargetRef ref = message.targetRef();
    long sequence = current.map(TargetVersion::sequence).orElse(0L) + 1;
    String baseKey = layout.baseKey(ref, sequence);
    SnapshotFileStats stats;
    long watermark;
    try (SourceRead read = source.readAll(declaration, ref.clientId())) {
      ObjectOutput out = store.create(baseKey);
      SnapshotWriter writer = SnapshotWriter.open(declaration, SnapshotKind.BASE, out, writerOptions);
      try {
        ResultSet rows = read.rows();
        long count = 0;
        while (rows.next()) {
          writer.writeRow(rows);
          // An abandoned target (lease lost, shutdown release) is interrupted; stop reading soon.
          if ((++count & CANCEL_CHECK_MASK) == 0 && Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("target abandoned after " + count + " rows");
          }
        }
        stats = writer.finish();
      } catch (SQLException | IOException | RuntimeException e) {
        writer.abort();
        throw e;
      }
      watermark = read.watermark();
    }
    Instant now = clock.instant();
    SnapshotObject base = stats.toObject(baseKey, 0, watermark);
    String checksum = stats.checksum().toHex();
    Manifest manifest =
        Manifest.of(ref, declaration, sequence, watermark, base, List.of(), stats.rows(), checksum, message.runId(), now);
    String manifestKey = layout.manifestKey(ref, sequence);
    byte[] manifestBytes = ManifestCodec.encode(manifest);
    store.put(manifestKey, manifestBytes, "application/json");
    TargetVersion version =
        new TargetVersion(ref, sequence, watermark, manifestKey, stats.rows(), checksum, 0, message.runId(), now);
    return new BuiltSnapshot(version, stats.rows(), stats.bytes() + manifestBytes.length);
  }
}
