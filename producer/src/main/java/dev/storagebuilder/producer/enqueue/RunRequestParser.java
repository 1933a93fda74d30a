package dev.storagebuilder.producer.enqueue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.producer.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns the body of {@code POST /api/runs} into a {@link RunRequest}. Every rejection is an {@link
 * InvalidRequestException} whose message names the field and says what is accepted, because the
 * caller is usually a person with curl or a script being written.
 *
 * <pre>
 * {@code {"scope": "all" | {"clients": ["a", "b"]} | {"targets": [{"clientId": "a", "target": "raw_data"}]},
 *  "mode": "full" | "incremental"}}</pre>
 *
 * {@code mode} may be omitted and means {@code full}, like the legacy {@code update-all}. This
 * checks shape only; whether the clients and target kinds exist is {@link ScopeResolver}'s job.
 */
public final class RunRequestParser {
  static final String SCOPE_FORMS =
      "\"all\", {\"clients\": [\"<clientId>\", ...]} or {\"targets\": [{\"clientId\": \"...\","
          + " \"target\": \"...\"}, ...]}";

  /** Duplicate keys and trailing garbage are errors: a request must mean exactly one thing. */
  private static final ObjectReader READER =
      Json.mapper()
          .reader()
          .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private RunRequestParser() {}

  public static RunRequest parse(String body, String requestedBy) {
    JsonNode root =
        readObject(body, "{\"scope\": " + SCOPE_FORMS + ", \"mode\": \"full\" | \"incremental\"}");
    rejectUnknownFields(root, "request body", Set.of("scope", "mode"));
    JsonNode scopeNode = root.get("scope");
    if (scopeNode == null || scopeNode.isNull()) {
      throw new InvalidRequestException("scope is required: " + SCOPE_FORMS);
    }
    return new RunRequest(parseScope(scopeNode), parseMode(root.get("mode")), requestedBy);
  }

  /** Parses {@code full}/{@code incremental}; null (absent) means full. */
  public static SyncMode parseMode(JsonNode modeNode) {
    if (modeNode == null || modeNode.isNull()) {
      return SyncMode.FULL;
    }
    if (!modeNode.isTextual()) {
      throw new InvalidRequestException(
          "mode must be a string, \"full\" or \"incremental\", got " + describe(modeNode));
    }
    return parseMode(modeNode.asText());
  }

  public static SyncMode parseMode(String mode) {
    try {
      return SyncMode.fromWire(mode);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  /**
   * Reads a JSON object body; {@code expected} is shown to a caller who sent nothing or something
   * that is not an object.
   */
  public static JsonNode readObject(String body, String expected) {
    if (body == null || body.isBlank()) {
      throw new InvalidRequestException("request body is required: " + expected);
    }
    JsonNode root;
    try {
      root = READER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          "request body is not valid JSON: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRequestException(
          "request body must be a JSON object " + expected + ", got " + describe(root));
    }
    return root;
  }

  public static void rejectUnknownFields(JsonNode node, String where, Set<String> known) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new InvalidRequestException(
            where
                + ": unknown field '"
                + name
                + "' (accepted: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
  }

  private static RunScope parseScope(JsonNode scope) {
    if (scope.isTextual()) {
      if (scope.asText().equals("all")) {
        return new RunScope.All();
      }
      throw new InvalidRequestException(
          "scope must be " + SCOPE_FORMS + ", got \"" + scope.asText() + "\"");
    }
    if (!scope.isObject()) {
      throw new InvalidRequestException(
          "scope must be " + SCOPE_FORMS + ", got " + describe(scope));
    }
    rejectUnknownFields(scope, "scope", Set.of("clients", "targets"));
    boolean hasClients = scope.has("clients");
    boolean hasTargets = scope.has("targets");
    if (hasClients == hasTargets) {
      throw new InvalidRequestException(
          "scope must have exactly one of 'clients' or 'targets': " + SCOPE_FORMS);
    }
    return hasClients ? parseClients(scope.get("clients")) : parseTargets(scope.get("targets"));
  }

  private static RunScope.Clients parseClients(JsonNode clients) {
    requireNonEmptyArray(clients, "scope.clients", "client ids");
    List<String> ids = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < clients.size(); i++) {
      String where = "scope.clients[" + i + "]";
      String id = clientId(clients.get(i), where);
      if (!seen.add(id)) {
        throw new InvalidRequestException(where + ": client '" + id + "' is listed twice");
      }
      ids.add(id);
    }
    return new RunScope.Clients(ids);
  }

  private static RunScope.Targets parseTargets(JsonNode targets) {
    requireNonEmptyArray(targets, "scope.targets", "{\"clientId\", \"target\"} objects");
    List<TargetRef> refs = new ArrayList<>();
    Set<TargetRef> seen = new HashSet<>();
    for (int i = 0; i < targets.size(); i++) {
      String where = "scope.targets[" + i + "]";
      JsonNode entry = targets.get(i);
      if (!entry.isObject()) {
        throw new InvalidRequestException(
            where
                + " must be an object {\"clientId\": \"...\", \"target\": \"...\"}, got "
                + describe(entry));
      }
      rejectUnknownFields(entry, where, Set.of("clientId", "target"));
      String clientId = clientId(entry.get("clientId"), where + ".clientId");
      String target = targetName(entry.get("target"), where + ".target");
      TargetRef ref = new TargetRef(clientId, target);
      if (!seen.add(ref)) {
        throw new InvalidRequestException(where + ": target " + ref + " is listed twice");
      }
      refs.add(ref);
    }
    return new RunScope.Targets(refs);
  }

  private static void requireNonEmptyArray(JsonNode node, String where, String what) {
    if (node == null || !node.isArray()) {
      throw new InvalidRequestException(
          where + " must be an array of " + what + ", got " + describe(node));
    }
    if (node.isEmpty()) {
      throw new InvalidRequestException(where + " must not be empty");
    }
  }

  private static String clientId(JsonNode node, String where) {
    if (node == null || !node.isTextual()) {
      throw new InvalidRequestException(
          where + " must be a client id string, got " + describe(node));
    }
    try {
      return Ids.requireClientId(node.asText());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(where + ": " + e.getMessage());
    }
  }

  private static String targetName(JsonNode node, String where) {
    if (node == null || !node.isTextual()) {
      throw new InvalidRequestException(
          where + " must be a target kind string, got " + describe(node));
    }
    try {
      return Ids.requireTargetName(node.asText());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(where + ": " + e.getMessage());
    }
  }

  /**
   * A short description of a JSON value for error messages: its type, and small values verbatim.
   */
  public static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String type =
        switch (node.getNodeType()) {
          case ARRAY -> "an array";
          case OBJECT -> "an object";
          case STRING -> "a string";
          case NUMBER -> "a number";
          case BOOLEAN -> "a boolean";
          case NULL -> "null";
          default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    String text = node.toString();
    return node.isContainerNode() || text.length() > 40 ? type : type + " (" + text + ")";
  }
}
