package dev.storagebuilder.common.target;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a source file (JSON). Credentials never live in the file: it names an environment variable
 * ({@code passwordEnv}) whose value the caller's environment map supplies.
 *
 * <pre>{@code
 * {"jdbcUrl": "jdbc:postgresql://db:5432/app", "username": "reader", "passwordEnv": "SB_SOURCE_PASSWORD",
 *  "clientsQuery": "SELECT client_id FROM clients ORDER BY client_id",
 *  "targets": [{"name": "raw_data", "table": "raw_data", "clientColumn": "client_id",
 *               "keyColumns": ["id"], "versionColumn": "version",
 *               "columns": [{"name": "id", "type": "INT64", "nullable": false}, ...]}]}
 * }</pre>
 */
public final class SourceConfigLoader {
  private static final String DEMO_RESOURCE = "/dev/storagebuilder/common/target/demo-source.json";

  /**
   * The shared mapper's tree reader, strict about what a file is: one JSON value, no duplicate
   * fields (Jackson ignores what follows the first value and keeps the last of duplicate fields, so
   * a second jdbcUrl or keyColumns silently replaced the first).
   */
  private static final ObjectReader STRICT =
      Json.mapper().reader().with(
          DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private SourceConfigLoader() {}

  /** The built-in declarations of the generated demo schema, pointed at {@code jdbcUrl}. */
  public static SourceConfig demo(String jdbcUrl, String username, String password) {
    try (InputStream in = SourceConfigLoader.class.getResourceAsStream(DEMO_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + DEMO_RESOURCE);
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), Map.of(), DEMO_RESOURCE)
          .withConnection(jdbcUrl, username, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SourceConfig load(Path file, Map<String, String> environment) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read source config " + file + ": " + e.getMessage(), e);
    }
    return parse(text, environment, file.toString());
  }

  /** Parses and validates; every failure is an IllegalArgumentException naming the file and field. */
  public static SourceConfig parse(String json, Map<String, String> environment, String origin) {
    try {
      JsonNode root = STRICT.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(origin + ": expected a JSON object");
      }
      String passwordEnv = optionalText(root, "passwordEnv");
      String password = null;
      if (passwordEnv != null) {
        password = environment.get(passwordEnv);
        if (password == null) {
          throw new IllegalArgumentException(
              origin + ": passwordEnv names " + passwordEnv + ", which is not set in the environment");
        }
      }
      JsonNode targetsNode = root.get("targets");
      if (targetsNode == null || !targetsNode.isArray()) {
        throw new IllegalArgumentException(origin + ": 'targets' must be an array of declarations");
      }
      List<TargetDeclaration> targets = new ArrayList<>();
      for (int i = 0; i < targetsNode.size(); i++) {
        if (!targetsNode.get(i).isObject()) {
          // Jackson maps null to a null declaration, which SourceConfig then met as an NPE.
          throw new IllegalArgumentException(
              origin + ": targets[" + i + "]: expected a target declaration object, got " + targetsNode.get(i));
        }
        try {
          targets.add(Json.mapper().treeToValue(targetsNode.get(i), TargetDeclaration.class));
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(
              origin + ": targets[" + i + "]: " + describe(e), e);
        }
      }
      for (String field : iterable(root.fieldNames())) {
        if (!List.of("jdbcUrl", "username", "passwordEnv", "clientsQuery", "targets").contains(field)) {
          throw new IllegalArgumentException(origin + ": unknown field '" + field + "'");
        }
      }
      return new SourceConfig(
          optionalText(root, "jdbcUrl"),
          optionalText(root, "username"),
          password,
          optionalText(root, "clientsQuery"),
          targets);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(origin + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(origin)) {
        throw e;
      }
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  private static String describe(JsonProcessingException e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof IllegalArgumentException) {
      return cause.getMessage();
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown field '" + unknown.getPropertyName() + "'";
    }
    return e.getOriginalMessage();
  }

  /** A string field, or null when absent; anything but a string is refused (asText() made an object ""). */
  private static String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' must be a string, got " + value);
    }
    return value.asText();
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
    return () -> iterator;
  }
}
