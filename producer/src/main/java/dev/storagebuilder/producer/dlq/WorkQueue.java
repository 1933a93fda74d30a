package dev.storagebuilder.producer.dlq;

import java.util.List;
import java.util.Map;

/** The work queue, as redrive needs it: raw bodies in, per-message failures out. */
public interface WorkQueue {
  /**
   * Sends every message (retrying what can be retried).
   *
   * @return the {@link Outbound#id()}s that were not sent, with why
   */
  Map<String, String> resend(List<Outbound> messages);

  /**
   * @param id unique within one call
   * @param clientId the client the message is for, when known (used as the message group when the
   *     queue is configured for fair groups)
   * @param groupId the MessageGroupId the message had, or null; kept whatever the configuration
   */
  record Outbound(String id, String body, String clientId, String groupId) {
    public Outbound(String id, String body, String clientId) {
      this(id, body, clientId, null);
    }
  }
}
