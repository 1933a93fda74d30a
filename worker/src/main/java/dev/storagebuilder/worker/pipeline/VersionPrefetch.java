package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.worker.port.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version records of a received batch, read in one request when it arrives instead of one
 * request per target when each starts: most targets of an incremental run take tens of
 * milliseconds, and the per-call cost of a DynamoDB read was a good part of that.
 *
 * <p>Each record is handed once, to the delivery it was read for, and only while younger than
 * {@code maxAge}; otherwise the target reads its own. A record that went stale meanwhile costs no
 * correctness: the commit is conditional on the sequence it saw, and a lost commit ends the message
 * as superseded. It only costs the build a fresh read would have saved (a duplicate committed in
 * between).
 */
final class VersionPrefetch {
  private static final Logger log = LoggerFactory.getLogger(VersionPrefetch.class);
  /** Deliveries whose record was never taken (given back, rejected) are dropped beyond this many. */
  private static final int MAX_ENTRIES = 256;

  private final VersionLedger versions;
  private final long maxAgeNanos;
  private final LongSupplier nanoTime;
  /** By receipt handle: unique to one delivery of one message. */
  private final Map<String, Entry> byDelivery = new ConcurrentHashMap<>();

  private record Entry(TargetRef target, Optional<TargetVersion> version, long readAt) {}

  VersionPrefetch(VersionLedger versions, Duration maxAge, LongSupplier nanoTime) {
    this.versions = versions;
    this.maxAgeNanos = maxAge.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Reads the records of the messages' targets; a failure only means each target reads its own. */
  void prefetch(List<ReceivedMessage> messages) {
    List<ReceivedMessage> valid = new ArrayList<>(messages.size());
    List<TargetRef> targets = new ArrayList<>(messages.size());
    for (ReceivedMessage message : messages) {
      try {
        targets.add(TargetMessageCodec.decode(message.body()).targetRef());
        valid.add(message);
      } catch (InvalidMessageException e) {
        // the processor rejects it
      }
    }
    if (targets.size() < 2) {
      return; // one record is read as cheaply when its target starts
    }
    long readAt = nanoTime.getAsLong();
    Map<TargetRef, Optional<TargetVersion>> found;
    try {
      found = versions.currentOf(targets);
    } catch (RuntimeException e) {
      log.debug("could not read the version records of {} received targets at once: {}", targets.size(), e.toString());
      return;
    }
    if (byDelivery.size() > MAX_ENTRIES) {
      byDelivery.entrySet().removeIf(entry -> readAt - entry.getValue().readAt() > maxAgeNanos);
    }
    for (int i = 0; i < valid.size(); i++) {
      Optional<TargetVersion> version = found.get(targets.get(i));
      if (version != null) {
        byDelivery.put(valid.get(i).handle(), new Entry(targets.get(i), version, readAt));
      }
    }
  }

  /**
   * The record read for this delivery of a message about {@code target}, when there is one still
   * fresh; the outer optional is empty when the caller must read it itself.
   */
  Optional<Optional<TargetVersion>> take(ReceivedMessage message, TargetRef target) {
    Entry entry = byDelivery.remove(message.handle());
    if (entry == null || !entry.target().equals(target) || nanoTime.getAsLong() - entry.readAt() > maxAgeNanos) {
      return Optional.empty();
    }
    return Optional.of(entry.version());
  }

  int size() {
    return byDelivery.size();
  }
}
