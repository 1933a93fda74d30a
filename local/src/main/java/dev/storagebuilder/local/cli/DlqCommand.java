package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = "The dead-letter queue: what is in it, why, and moving it back to work.",
    subcommands = {DlqCommand.ListDlq.class, DlqCommand.Stats.class, DlqCommand.Redrive.class})
final class DlqCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Peeks at messages.")
  static final class ListDlq implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Spec CommandSpec spec;

    @Option(names = "--limit", description = "1..100. Default: ${DEFAULT-VALUE}")
    int limit = 10;

    @Option(names = "--json", description = "print the producer's answer as JSON")
    boolean json;

    @Override
    public Integer call() {
      JsonNode list = api.client().get("/api/dlq?limit=" + limit);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ApiOptions.printJson(out, list);
        return 0;
      }
      out.printf("%-20s %-24s %-34s %-9s %s%n", "REASON", "TARGET", "RUN", "RECEIVES", "DETAIL");
      for (JsonNode m : list.path("messages")) {
        out.printf(
            "%-20s %-24s %-34s %-9d %s%n",
            m.path("reason").asText("-"),
            m.path("clientId").asText("?") + "/" + m.path("target").asText("?"),
            m.path("runId").asText("-"),
            m.path("receiveCount").asInt(),
            m.path("detail").asText(""));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true, description = "Counts by reason.")
  static final class Stats implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "print the producer's answer as JSON")
    boolean json;

    @Override
    public Integer call() {
      JsonNode stats = api.client().get("/api/dlq/stats");
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ApiOptions.printJson(out, stats);
        return 0;
      }
      printCounts(out, stats);
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "redrive",
      mixinStandardHelpOptions = true,
      description = {
        "Moves dead-lettered messages back to the work queue (those matching every filter given).",
        "Try --dry-run first: it says what would move and moves nothing."
      })
  static final class Redrive implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Spec CommandSpec spec;

    @Option(names = "--client", description = "only this client's messages")
    String client;

    @Option(names = "--target", description = "only this target kind")
    String target;

    @Option(names = "--reason", description = "only messages dead-lettered for this reason")
    String reason;

    @Option(
        names = "--older-than",
        description =
            "only messages dead-lettered at least this long ago (e.g. PT1H, 30m, 45s); for"
                + " reason max-receive-count: first sent at least this long ago")
    String olderThan;

    @Option(names = "--dry-run", description = "say what would move; move nothing")
    boolean dryRun;

    @Option(
        names = "--new-run",
        description = "re-send the moved targets under a new run (default: their original runs)")
    boolean newRun;

    @Option(names = "--json", description = "print the producer's answer as JSON")
    boolean json;

    @Override
    public Integer call() {
      ObjectNode body = Json.mapper().createObjectNode();
      body.put("dryRun", dryRun);
      body.put("run", newRun ? "new" : "original");
      ObjectNode filter = Json.mapper().createObjectNode();
      if (client != null) {
        filter.put("clientId", client);
      }
      if (target != null) {
        filter.put("target", target);
      }
      if (reason != null) {
        filter.put("reason", reason);
      }
      if (olderThan != null) {
        filter.put("olderThanSeconds", parseAge(olderThan).toSeconds());
      }
      if (!filter.isEmpty()) {
        body.set("filter", filter);
      }
      JsonNode result = api.client().post("/api/dlq/redrive", body);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ApiOptions.printJson(out, result);
      } else {
        out.println((dryRun ? "dry run (nothing moved): " : "redrive: ") + result);
        out.flush();
      }
      // The producer answers 200 even when some sends failed (those messages stay in the DLQ):
      // a script that redrives and moves on must see that not everything it asked for moved.
      int failed = result.path("failed").asInt();
      if (!dryRun && failed > 0) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("sb: " + failed + " matched message(s) could not be sent and stayed in the DLQ;"
            + " run the redrive again");
        err.flush();
        return 1;
      }
      return 0;
    }

    /** ISO-8601 (PT1H) or a number with s, m, h or d. */
    static Duration parseAge(String raw) {
      String value = raw.trim().toLowerCase(java.util.Locale.ROOT);
      try {
        if (value.startsWith("pt") || value.startsWith("p")) {
          return Duration.parse(value.toUpperCase(java.util.Locale.ROOT));
        }
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          case 'd' -> Duration.ofDays(amount);
          default -> throw new NumberFormatException();
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "--older-than must be like 45s, 30m, 2h, 1d or PT1H, got '" + raw + "'");
      }
    }
  }

  static void printCounts(PrintWriter out, JsonNode node) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isObject()) {
        out.println(field.getKey() + ":");
        for (Iterator<Map.Entry<String, JsonNode>> inner = field.getValue().fields();
            inner.hasNext(); ) {
          Map.Entry<String, JsonNode> e = inner.next();
          out.printf("  %-30s %s%n", e.getKey(), e.getValue().asText());
        }
      } else {
        out.printf("%-32s %s%n", field.getKey(), field.getValue());
      }
    }
  }
}
