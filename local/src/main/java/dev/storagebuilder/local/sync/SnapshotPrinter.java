package dev.storagebuilder.local.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.snapshot.CloseableIterator;
import dev.storagebuilder.common.snapshot.Manifest;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.SnapshotReader;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.List;

/** Prints a target's current state (base + deltas applied), columns in declaration order. */
public final class SnapshotPrinter {
  public enum Format {
    CSV,
    JSONL
  }

  /** Rows between two checks that the output still takes them (each check flushes it). */
  static final int OUTPUT_CHECK_ROWS = 4096;

  private SnapshotPrinter() {}

  /** Returns the rows printed. */
  public static long print(VersionLedger versions, ObjectStore store, TargetRef ref, Format format, PrintStream out)
      throws IOException {
    TargetVersion version =
        versions.current(ref).orElseThrow(() -> new IllegalArgumentException("no snapshot committed for " + ref));
    Manifest manifest = ManifestCodec.decode(store.get(version.manifestKey()));
    try (CloseableIterator<Object[]> rows = SnapshotReader.open(store, manifest).rows()) {
      return print(rows, manifest.columns(), format, out);
    }
  }

  /**
   * Prints {@code rows} until they end or {@code out} fails; returns the rows printed. A PrintStream
   * keeps its errors to itself, so a reader that went away ({@code sb snapshot cat | head}) is
   * noticed by asking it now and then; without that the whole snapshot was decoded for nobody.
   */
  static long print(Iterator<Object[]> rows, List<ColumnDeclaration> columns, Format format, PrintStream out) {
    long printed = 0;
    while (rows.hasNext()) {
      Object[] row = rows.next();
      if (format == Format.CSV) {
        out.println(PostgresCsv.line(columns, row));
      } else {
        ObjectNode json = Json.mapper().createObjectNode();
        for (int i = 0; i < columns.size(); i++) {
          Object value = row[i];
          String name = columns.get(i).name();
          switch (value) {
            case null -> json.putNull(name);
            case Long l -> json.put(name, l);
            case Integer n -> json.put(name, n);
            case Boolean b -> json.put(name, b);
            case Double d -> json.put(name, d);
            default -> json.put(name, PostgresCsv.text(value));
          }
        }
        out.println(json);
      }
      printed++;
      if (printed % OUTPUT_CHECK_ROWS == 0 && out.checkError()) {
        return printed;
      }
    }
    out.flush();
    return printed;
  }
}
