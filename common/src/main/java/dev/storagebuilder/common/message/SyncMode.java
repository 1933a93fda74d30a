package dev.storagebuilder.common.message;

import java.util.Locale;

/** How a target is rebuilt: a new base snapshot, or a delta since the version the target holds. */
public enum SyncMode {
  FULL,
  INCREMENTAL;

  /** The lower-case name used on the wire and in the HTTP API. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code full} or {@code incremental}; anything else is rejected with the accepted values. */
  public static SyncMode fromWire(String value) {
    if (value != null) {
      for (SyncMode mode : values()) {
        if (mode.wireName().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException("mode must be 'full' or 'incremental', got '" + value + "'");
  }
}
