package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.local.client.ProducerClient;
import java.io.PrintWriter;
import java.net.URI;
import picocli.CommandLine.Option;

/**
 * What every command that talks to a producer shares: where it is and the token. The token comes
 * from {@code STORAGE_BUILDER_TOKEN} (or {@code --token}, which shows in the process list: prefer
 * the variable).
 */
final class ApiOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(
      names = "--url",
      defaultValue = "${env:STORAGE_BUILDER_URL:-" + DEFAULT_URL + "}",
      description = "the producer (default: STORAGE_BUILDER_URL, else ${DEFAULT-VALUE})")
  String url;

  @Option(
      names = "--token",
      defaultValue = "${env:STORAGE_BUILDER_TOKEN}",
      description = "API token (default: the STORAGE_BUILDER_TOKEN environment variable)")
  String token;

  ProducerClient client() {
    URI base;
    try {
      base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--url is not a URL: " + url);
    }
    if (base.getScheme() == null || base.getHost() == null) {
      throw new IllegalArgumentException("--url must look like http://host:port, got " + url);
    }
    return new ProducerClient(base, token);
  }

  static void printJson(PrintWriter out, JsonNode json) {
    try {
      out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }
}
