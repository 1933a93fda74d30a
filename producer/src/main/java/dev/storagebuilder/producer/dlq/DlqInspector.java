package dev.storagebuilder.producer.dlq;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Read-only views of the DLQ: a peek at some messages, and counts by reason and by client. */
public final class DlqInspector {
  public static final int MAX_LIST = 100;

  private final DeadLetterQueue dlq;
  private final DlqScanner scanner;
  private final int scanLimit;

  /**
   * The stats walk that has been asked for and has not started yet; every caller that comes before
   * it starts shares its answer. Null when none waits.
   */
  private CompletableFuture<DlqStats> waitingStats;

  /**
   * @param scanLimit how many messages {@link #stats} reads at most
   * @param scanWait see {@link DlqScanner}
   */
  public DlqInspector(DeadLetterQueue dlq, int scanLimit, Duration scanWait, Clock clock) {
    this.dlq = dlq;
    this.scanner = new DlqScanner(dlq, scanWait, clock);
    this.scanLimit = scanLimit;
  }

  /** An inspector on the system clock. */
  public DlqInspector(DeadLetterQueue dlq, int scanLimit, Duration scanWait) {
    this(dlq, scanLimit, scanWait, Clock.systemUTC());
  }

  /**
   * Up to {@code limit} messages, received with visibility 0 so nothing is hidden from anyone. A
   * peek is a sample: SQS may answer repeated receives with the same messages, so fewer than {@code
   * limit} may come back even when the DLQ holds more ({@link #stats} walks the whole queue).
   */
  public List<DlqMessage> peek(int limit) {
    Map<String, DlqMessage> seen = new LinkedHashMap<>();
    int rounds = 0;
    while (seen.size() < limit && rounds++ < limit / 10 + 3) {
      List<DlqMessage> batch =
          dlq.receive(Math.min(10, limit - seen.size()), Duration.ZERO, Duration.ZERO);
      int before = seen.size();
      for (DlqMessage message : batch) {
        if (seen.size() < limit) {
          seen.putIfAbsent(message.messageId(), message);
        }
      }
      if (seen.size() == before) {
        break;
      }
    }
    return List.copyOf(seen.values());
  }

  /**
   * Counts by reason and by client over a walk of the DLQ; every message is released afterwards.
   *
   * <p>Callers that ask while a stats walk waits for its turn share that walk instead of queueing
   * one each: each dashboard polls the stats, a walk takes at least the scan wait (its last, empty
   * receive), and walks take turns, so one walk per caller piled up without bound (every blocking
   * request thread waiting on the turn, the DLQ held almost all the time, a redrive queued behind
   * them all). Every caller still gets a walk that started after it asked.
   */
  public DlqStats stats() {
    CompletableFuture<DlqStats> shared;
    boolean walker;
    synchronized (this) {
      walker = waitingStats == null;
      if (walker) {
        waitingStats = new CompletableFuture<>();
      }
      shared = waitingStats;
    }
    if (walker) {
      try {
        shared.complete(scanner.exclusively(() -> walkForStats(shared)));
      } catch (RuntimeException e) {
        startedOrFailed(shared);
        shared.completeExceptionally(e);
        throw e;
      }
    }
    try {
      return shared.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  private DlqStats walkForStats(CompletableFuture<DlqStats> shared) {
    // From here on a new caller needs a walk of its own: this one may miss what it waits for.
    startedOrFailed(shared);
    // Read in the walks' turn: during another walk, the messages it holds count as not visible.
    DeadLetterQueue.Depth depth = dlq.depth();
    return scanner.walk(
        scanLimit,
        (held, complete, deleted) ->
            new DlqStats(
                depth.visible(),
                depth.notVisible(),
                held.size(),
                complete,
                countBy(held, DlqMessage::reason),
                countBy(held, m -> m.clientId() == null ? DlqStats.UNKNOWN_CLIENT : m.clientId())));
  }

  private synchronized void startedOrFailed(CompletableFuture<DlqStats> walk) {
    if (waitingStats == walk) {
      waitingStats = null;
    }
  }

  /** Largest count first, ties by name. */
  private static Map<String, Integer> countBy(
      List<DlqMessage> messages, Function<DlqMessage, String> key) {
    Map<String, Integer> counts =
        messages.stream()
            .collect(Collectors.groupingBy(key, TreeMap::new, Collectors.summingInt(m -> 1)));
    Map<String, Integer> ordered = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(
            Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> ordered.put(e.getKey(), e.getValue()));
    return ordered;
  }

  /**
   * @param approximateNumberOfMessages SQS's approximate count of visible messages, read just
   *     before the walk (in the walks' turn, so no other walk of this producer hides any)
   * @param scanned messages the walk read
   * @param complete false when the walk stopped at the scan limit or after receiving for a minute
   */
  public record DlqStats(
      long approximateNumberOfMessages,
      long approximateNumberOfMessagesNotVisible,
      int scanned,
      boolean complete,
      Map<String, Integer> byReason,
      Map<String, Integer> byClient) {
    public static final String UNKNOWN_CLIENT = "(unreadable)";
  }
}
