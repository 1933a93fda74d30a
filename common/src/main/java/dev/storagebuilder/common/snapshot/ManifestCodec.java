package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;

/**
 * Manifest JSON: written with the shared mapper, read strictly (unknown fields and versions
 * rejected).
 */
public final class ManifestCodec {
  public static final String CONTENT_TYPE = "application/json";

  private ManifestCodec() {}

  public static byte[] encode(Manifest manifest) {
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest is not serializable", e);
    }
  }

  /**
   * Throws {@link SnapshotFormatException} naming the problem: not JSON, unknown version, bad
   * field.
   */
  public static Manifest decode(byte[] json) {
    JsonNode node;
    try {
      node = Json.mapper().readTree(json);
    } catch (IOException e) {
      throw new SnapshotFormatException("manifest is not JSON: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new SnapshotFormatException("manifest is not a JSON object");
    }
    JsonNode version = node.get("schemaVersion");
    if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
      throw new SnapshotFormatException("manifest has no integer schemaVersion");
    }
    if (version.asInt() < Manifest.OLDEST_SCHEMA_VERSION
        || version.asInt() > Manifest.CURRENT_SCHEMA_VERSION) {
      String problem =
          "manifest schemaVersion "
              + version.asInt()
              + " is not supported (this build reads "
              + Manifest.OLDEST_SCHEMA_VERSION
              + ".."
              + Manifest.CURRENT_SCHEMA_VERSION
              + "); upgrade the reader";
      throw version.asInt() > Manifest.CURRENT_SCHEMA_VERSION
          ? SnapshotFormatException.newerThanThisBuild(problem)
          : new SnapshotFormatException(problem);
    }
    try {
      return Json.mapper().treeToValue(node, Manifest.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      String detail =
          cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
      throw new SnapshotFormatException("manifest is invalid: " + detail, e);
    }
  }
}
