package dev.storagebuilder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses HCL with {@code @cdktf/hcl2json} (HashiCorp's own HCL parser compiled to WebAssembly, run by
 * node). No Java HCL parser resolves from the registries this project uses; this one is the real grammar, offline once
 * installed. A clean clone has no node_modules: the first parse installs the locked version.
 */
final class Hcl {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PACKAGE_DIR = Repository.deployChecks();
  private static final Path SCRIPT = PACKAGE_DIR.resolve("hcl2json.cjs");
  private static final Path INSTALLED = PACKAGE_DIR.resolve("node_modules/@cdktf/hcl2json/package.json");

  private Hcl() {}

  /** Every *.tf file under {@code directory}: relative path to its hcl2json tree. */
  static JsonNode parseDirectory(Path directory) {
    ensureInstalled();
    Processes.Result result =
        Processes.run(
            List.of(Processes.require("node").toString(), SCRIPT.toString(), directory.toString()),
            PACKAGE_DIR,
            Map.of(),
            Duration.ofSeconds(60));
    if (result.exitCode() != 0) {
      throw new IllegalStateException("hcl2json failed on " + directory + ": " + result.describe());
    }
    try {
      return JSON.readTree(result.stdout());
    } catch (IOException e) {
      throw new IllegalStateException("hcl2json printed no JSON for " + directory, e);
    }
  }

  private static synchronized void ensureInstalled() {
    if (Files.isRegularFile(INSTALLED)) {
      return;
    }
    Processes.Result install =
        Processes.run(
            List.of(Processes.require("npm").toString(), "ci", "--no-audit", "--no-fund"),
            PACKAGE_DIR,
            Map.of(),
            Duration.ofMinutes(3));
    if (install.exitCode() != 0 || !Files.isRegularFile(INSTALLED)) {
      throw new IllegalStateException("npm ci in " + PACKAGE_DIR + " failed: " + install.describe());
    }
  }

  // --- navigating hcl2json trees -----------------------------------------------------------------

  /** hcl2json writes every block as an array (blocks may repeat); the first one, or a missing node. */
  static JsonNode block(JsonNode parent, String name) {
    JsonNode blocks = parent.path(name);
    return blocks.isArray() && !blocks.isEmpty() ? blocks.get(0) : MissingNode.getInstance();
  }

  static List<JsonNode> blocks(JsonNode parent, String name) {
    List<JsonNode> found = new ArrayList<>();
    parent.path(name).forEach(found::add);
    return found;
  }

  /** Static blocks plus the {@code content} of {@code dynamic "name"} blocks. */
  static List<JsonNode> blocksIncludingDynamic(JsonNode parent, String name) {
    List<JsonNode> found = blocks(parent, name);
    for (JsonNode dynamic : parent.path("dynamic").path(name)) {
      dynamic.path("content").forEach(found::add);
    }
    return found;
  }

  /** An attribute as HCL wrote it: literal text, or an expression as {@code ${...}}. */
  static String text(JsonNode node) {
    return node.isTextual() ? node.asText() : node.toString();
  }

  /** Whether an attribute is exactly a reference such as {@code var.max_receive_count}. */
  static boolean isReference(JsonNode node, String reference) {
    return node.isTextual() && node.asText().equals("${" + reference + "}");
  }

  /** A list attribute's elements as text; an expression that yields a list counts as one element. */
  static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(element -> values.add(text(element)));
    } else if (!node.isMissingNode() && !node.isNull()) {
      values.add(text(node));
    }
    return values;
  }
}
