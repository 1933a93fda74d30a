package dev.storagebuilder.common.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;

/**
 * Manifest JSON: written with the shared mapper, read strictly. A manifest decides what a target's
 * state is, so one that does not say everything the writer wrote is refused rather than filled in
 * with defaults (a missing deltas list would drop the chain, a missing watermark would re-read from
 * 0): unknown and duplicate fields, unknown versions, missing properties, nulls for numbers, and
 * numbers written as strings or with a fraction are all rejected.
 */
public final class ManifestCodec {
  public static final String CONTENT_TYPE = "application/json";

  /**
   * Its own mapper: the shared one is lenient where Jackson is by default (absent primitives become
   * 0, "10" and 11.9 become integers), which other readers may rely on.
   */
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .annotationIntrospector(new WrittenMeansRequired())
          .enable(
              DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
              DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
              DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY,
              DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .withCoercionConfig(
              LogicalType.Textual,
              config ->
                  config
                      .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .build();

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
      node = STRICT.readTree(json);
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
      return STRICT.treeToValue(node, Manifest.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      String detail =
          cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
      throw new SnapshotFormatException("manifest is invalid: " + detail + where(e), e);
    }
  }

  /** Where in the manifest a binding failed, e.g. " (at deltas[1].rows)"; empty when unknown. */
  private static String where(JsonProcessingException e) {
    if (!(e instanceof JsonMappingException mapping)) {
      return "";
    }
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : mapping.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? "" : " (at " + path + ")";
  }

  /**
   * Every property the writer always writes is required; optional are only those it leaves out when
   * null or empty ({@code @JsonInclude(NON_NULL)}, e.g. the key index fields, which schema versions 1
   * and 2 predate; {@code NON_EMPTY}, the retired objects, which versions 1 to 3 predate). A
   * primitive is always written, so always required.
   */
  private static final class WrittenMeansRequired extends JacksonAnnotationIntrospector {
    @Override
    public Boolean hasRequiredMarker(AnnotatedMember member) {
      Boolean marked = super.hasRequiredMarker(member);
      if (marked != null || member.getRawType().isPrimitive()) {
        return marked != null ? marked : Boolean.TRUE;
      }
      JsonInclude include = member.getAnnotation(JsonInclude.class);
      if (include == null) {
        include = member.getDeclaringClass().getAnnotation(JsonInclude.class);
      }
      return include == null
          || (include.value() != JsonInclude.Include.NON_NULL && include.value() != JsonInclude.Include.NON_EMPTY);
    }
  }
}
