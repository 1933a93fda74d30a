package dev.storagebuilder.common.ledger;

import java.util.Locale;

/** A target's state within one run. A run is finished when every target is in a final state. */
public enum TargetState {
  QUEUED(false),
  RUNNING(false),
  /** The last attempt failed and the message will be delivered again. */
  FAILED(false),
  SUCCEEDED(true),
  DEAD_LETTERED(true);

  private final boolean finalState;

  TargetState(boolean finalState) {
    this.finalState = finalState;
  }

  public boolean isFinal() {
    return finalState;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static TargetState fromWire(String value) {
    for (TargetState state : values()) {
      if (state.wireName().equals(value)) {
        return state;
      }
    }
    throw new IllegalArgumentException(
        "state must be one of queued, running, failed, succeeded, dead-lettered; got '" + value + "'");
  }
}
