package dev.storagebuilder.producer.dlq;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which DLQ messages a filtered redrive moves; every given criterion must hold. A criterion that
 * needs the body (client, target) never matches a message whose body cannot be read.
 *
 * @param olderThanSeconds the message's {@link DlqMessage#sentAt} is at least this long ago, 0 to
 *     {@link #MAX_OLDER_THAN_SECONDS}: the time since it was dead-lettered, except for a message the
 *     redrive policy moved, whose age counts from its first send to the work queue
 */
public record RedriveFilter(String clientId, String target, String reason, Long olderThanSeconds) {
  /** Matches every message: used for a dry run or a move into a new run without a filter. */
  public static final RedriveFilter ALL = new RedriveFilter(null, null, null, null);

  /**
   * SQS keeps a message at most 14 days, so no DLQ message is older; the bound also keeps {@code
   * sentAt + olderThanSeconds} far from Instant's range.
   */
  public static final long MAX_OLDER_THAN_SECONDS = Duration.ofDays(14).toSeconds();

  public RedriveFilter {
    if (olderThanSeconds != null
        && (olderThanSeconds < 0 || olderThanSeconds > MAX_OLDER_THAN_SECONDS)) {
      throw new IllegalArgumentException(
          "filter.olderThanSeconds must be 0.."
              + MAX_OLDER_THAN_SECONDS
              + " (14 days, the longest SQS keeps a message), got "
              + olderThanSeconds);
    }
  }

  public boolean isEmpty() {
    return clientId == null && target == null && reason == null && olderThanSeconds == null;
  }

  public boolean matches(DlqMessage message, Instant now) {
    return (clientId == null || clientId.equals(message.clientId()))
        && (target == null || target.equals(message.target()))
        && (reason == null || reason.equals(message.reason()))
        && (olderThanSeconds == null
            || (message.sentAt() != null
                && !message.sentAt().plusSeconds(olderThanSeconds).isAfter(now)));
  }

  /** For the scope of a run made from redriven messages, e.g. {@code redrive:client=a,reason=x}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (clientId != null) {
      parts.add("client=" + clientId);
    }
    if (target != null) {
      parts.add("target=" + target);
    }
    if (reason != null) {
      parts.add("reason=" + reason);
    }
    if (olderThanSeconds != null) {
      parts.add("olderThan=" + olderThanSeconds + "s");
    }
    return parts.isEmpty() ? "all" : String.join(",", parts);
  }
}
