package dev.storagebuilder.worker.port;

import java.time.Duration;
import java.util.List;

/** Where work arrives: long-polls a queue. */
public interface MessageSource {
  /** Waits up to {@code wait} for at most {@code max} messages; returns an empty list on timeout. */
  List<ReceivedMessage> receive(int max, Duration wait);
}
