package dev.storagebuilder.producer.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.producer.InvalidRequestException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A redrive as asked for: {@code {"dryRun": bool, "filter": {"clientId"?, "target"?, "reason"?,
 * "olderThanSeconds"?}, "run": "original" | "new"}}; {@code dryRun} defaults to false and {@code
 * run} to original.
 */
public record RedriveRequest(boolean dryRun, Optional<RedriveFilter> filter, RunChoice run) {

  /** Which run a redriven target joins. */
  public enum RunChoice {
    /**
     * The run it was sent for. A filtered redrive moves the run's counts from dead-lettered back to
     * queued once it has re-sent their messages (unless a worker wrote first); the queue's own move task (everything, see {@link
     * #isMoveAll}) moves messages it does not show us, so their entries stay dead-lettered until a
     * worker records the next outcome.
     */
    ORIGINAL,
    /** A new run recorded for the moved messages, which are re-sent with its runId. */
    NEW;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * True when the queue service's own move task can do the work: everything, back into its original
   * run, for real.
   */
  public boolean isMoveAll() {
    return filter.isEmpty() && !dryRun && run == RunChoice.ORIGINAL;
  }

  /** What a request body looks like, for messages. */
  public static final String SHAPE = "{\"dryRun\": bool, \"filter\": {...}, \"run\": \"original\" | \"new\"}";

  public static RedriveRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new InvalidRequestException("request body must be a JSON object " + SHAPE);
    }
    rejectUnknown(body, "request body", Set.of("dryRun", "filter", "run"));
    boolean dryRun = false;
    JsonNode dryRunNode = body.get("dryRun");
    if (dryRunNode != null && !dryRunNode.isNull()) {
      if (!dryRunNode.isBoolean()) {
        throw new InvalidRequestException("dryRun must be true or false, got " + dryRunNode);
      }
      dryRun = dryRunNode.booleanValue();
    }
    RunChoice run = RunChoice.ORIGINAL;
    JsonNode runNode = body.get("run");
    if (runNode != null && !runNode.isNull()) {
      if (!runNode.isTextual() || !Set.of("original", "new").contains(runNode.asText())) {
        throw new InvalidRequestException("run must be \"original\" or \"new\", got " + runNode);
      }
      run = RunChoice.valueOf(runNode.asText().toUpperCase(Locale.ROOT));
    }
    JsonNode filterNode = body.get("filter");
    Optional<RedriveFilter> filter = Optional.empty();
    if (filterNode != null && !filterNode.isNull()) {
      filter = Optional.of(parseFilter(filterNode));
    }
    return new RedriveRequest(dryRun, filter, run);
  }

  private static RedriveFilter parseFilter(JsonNode node) {
    if (!node.isObject()) {
      throw new InvalidRequestException(
          "filter must be an object {\"clientId\", \"target\", \"reason\", \"olderThanSeconds\"},"
              + " got "
              + node);
    }
    rejectUnknown(node, "filter", Set.of("clientId", "target", "reason", "olderThanSeconds"));
    Long olderThan = null;
    JsonNode age = node.get("olderThanSeconds");
    if (age != null && !age.isNull()) {
      if (!age.isIntegralNumber()
          || !age.canConvertToLong()
          || age.longValue() < 0
          || age.longValue() > RedriveFilter.MAX_OLDER_THAN_SECONDS) {
        throw new InvalidRequestException(
            "filter.olderThanSeconds must be a whole number 0.."
                + RedriveFilter.MAX_OLDER_THAN_SECONDS
                + " (14 days, the longest SQS keeps a message), got "
                + age);
      }
      olderThan = age.longValue();
    }
    RedriveFilter filter =
        new RedriveFilter(
            text(node, "clientId"), text(node, "target"), text(node, "reason"), olderThan);
    if (filter.isEmpty()) {
      throw new InvalidRequestException(
          "filter must name at least one of clientId, target, reason, olderThanSeconds (omit it to"
              + " redrive everything)");
    }
    return filter;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > 128) {
      throw new InvalidRequestException(
          "filter." + field + " must be a non-empty string, got " + value);
    }
    return value.asText();
  }

  private static void rejectUnknown(JsonNode node, String where, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
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
}
