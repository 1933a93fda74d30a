package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ids.TargetRef;

/** No version record for this target: it was never committed. Answered 404. */
public final class UnknownTargetException extends RuntimeException {
  public UnknownTargetException(TargetRef target) {
    super(
        "no version of "
            + target.clientId()
            + "/"
            + target.target()
            + " in the version ledger (never committed, or no such target)");
  }
}
