package dev.storagebuilder.local.demo;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The source the snapshots in a demo's state directory were built from. Every demo regenerates its
 * source from its seed and scale, so an incremental demo on a directory whose snapshots came from
 * another seed or scale, or from a source a change burst had changed since, compared its run with
 * rows the new source does not have, and verification said MISMATCH without saying why.
 *
 * @param changesApplied rows the incremental scenario changed after its full run (0: none)
 */
record SourceFingerprint(long seed, double scale, int changesApplied) {
  static final String FILE = "demo-source.properties";

  /** What was recorded in {@code stateDir}; empty for a directory of none or of an older demo. */
  static Optional<SourceFingerprint> read(Path stateDir) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties recorded = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      recorded.load(in);
    }
    try {
      return Optional.of(
          new SourceFingerprint(
              Long.parseLong(recorded.getProperty("seed")),
              Double.parseDouble(recorded.getProperty("scale")),
              Integer.parseInt(recorded.getProperty("changesApplied"))));
    } catch (RuntimeException unreadable) {
      return Optional.empty(); // not ours to refuse a demo on; the next write replaces it
    }
  }

  void write(Path stateDir) throws IOException {
    Properties recorded = new Properties();
    recorded.setProperty("seed", Long.toString(seed));
    recorded.setProperty("scale", Double.toString(scale));
    recorded.setProperty("changesApplied", Integer.toString(changesApplied));
    Files.createDirectories(stateDir);
    try (Writer out = Files.newBufferedWriter(stateDir.resolve(FILE))) {
      recorded.store(out, "the source the snapshots here were built from");
    }
  }

  SourceFingerprint withChangesApplied(int changes) {
    return new SourceFingerprint(seed, scale, changes);
  }

  String describe() {
    return "seed " + seed + ", scale " + scale
        + (changesApplied > 0 ? ", with " + changesApplied + " changes applied after its full run" : "");
  }
}
