package dev.storagebuilder.common.snapshot;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of what a snapshot's layout depends on: its columns (name, type, nullability,
 * precision, scale, in order), key columns and version column. The version record carries the one
 * its manifest was written with, so an incremental sync can tell that the declaration is unchanged
 * without reading the manifest: equal fingerprints mean equal shapes (SHA-256), different ones send
 * the caller to the manifest for the exact comparison.
 */
public final class SnapshotShape {
  private SnapshotShape() {}

  public static String of(TargetDeclaration declaration) {
    return of(declaration.columns(), declaration.keyColumns(), declaration.versionColumn());
  }

  public static String of(Manifest manifest) {
    return of(manifest.columns(), manifest.keyColumns(), manifest.versionColumn());
  }

  static String of(List<ColumnDeclaration> columns, List<String> keyColumns, String versionColumn) {
    // Identifiers never contain the separators, so distinct shapes give distinct texts.
    StringBuilder text = new StringBuilder(64 * columns.size());
    for (ColumnDeclaration column : columns) {
      text.append(column.name()).append(' ').append(column.type().name()).append(' ').append(column.nullable())
          .append(' ').append(column.precision()).append(' ').append(column.scale()).append('\n');
    }
    text.append("keys");
    for (String key : keyColumns) {
      text.append(' ').append(key);
    }
    text.append("\nversion ").append(versionColumn);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
      // 128 bits: an accidental match of two different shapes is out of the question.
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
