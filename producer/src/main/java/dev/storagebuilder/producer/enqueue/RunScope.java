package dev.storagebuilder.producer.enqueue;

import dev.storagebuilder.common.ids.TargetRef;
import java.util.List;

/** What a run covers, as the caller asked for it (before it is checked against the source). */
public sealed interface RunScope {
  /** Every client the source lists, every declared target kind. */
  record All() implements RunScope {}

  /** These clients, every declared target kind. */
  record Clients(List<String> clientIds) implements RunScope {
    public Clients {
      clientIds = List.copyOf(clientIds);
    }
  }

  /** Exactly these client/target pairs. */
  record Targets(List<TargetRef> targets) implements RunScope {
    public Targets {
      targets = List.copyOf(targets);
    }
  }

  /**
   * The short description kept in the run record and shown by the API: {@code all}, {@code
   * clients:a,b}, {@code targets:3}. Long client lists are abbreviated; the messages are the full
   * record of what the run covers.
   */
  default String describe() {
    return switch (this) {
      case All all -> "all";
      case Clients clients -> "clients:" + abbreviate(clients.clientIds());
      case Targets targets -> "targets:" + targets.targets().size();
    };
  }

  private static String abbreviate(List<String> ids) {
    int shown = 5;
    if (ids.size() <= shown) {
      return String.join(",", ids);
    }
    return String.join(",", ids.subList(0, shown)) + ",+" + (ids.size() - shown) + " more";
  }
}
