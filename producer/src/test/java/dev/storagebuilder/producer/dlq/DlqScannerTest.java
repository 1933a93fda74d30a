package dev.storagebuilder.producer.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import dev.storagebuilder.common.testing.SettableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DlqScannerTest {
  /** Each receive takes this long: a slow SQS, or a large DLQ at an ordinary pace. */
  private static final Duration PER_RECEIVE = Duration.ofSeconds(1);

  private final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T12:00:00Z"));

  /**
   * A DLQ whose holds lapse, as SQS's do: a message received with a visibility is hidden until
   * then, and received again after it.
   */
  private final class LapsingDlq implements DeadLetterQueue {
    final Map<String, Instant> hiddenUntil = new LinkedHashMap<>();
    final Map<String, String> handleToId = new HashMap<>();
    int receives;
    int handles;

    LapsingDlq(int messages) {
      for (int i = 0; i < messages; i++) {
        hiddenUntil.put("m" + i, Instant.MIN);
      }
    }

    @Override
    public List<DlqMessage> receive(int max, Duration visibility, Duration wait) {
      if (++receives > 50_000) {
        throw new AssertionError("the walk never ends: its first holds lapse before it gets to the end");
      }
      clock.advance(PER_RECEIVE);
      List<DlqMessage> out = new ArrayList<>();
      for (Map.Entry<String, Instant> message : hiddenUntil.entrySet()) {
        if (out.size() == max) {
          break;
        }
        if (!message.getValue().isAfter(clock.instant())) {
          message.setValue(clock.instant().plus(visibility));
          String handle = "h" + (++handles);
          handleToId.put(handle, message.getKey());
          out.add(DlqMessage.of(message.getKey(), handle, "{}", "poison", null, clock.instant(), 1));
        }
      }
      return out;
    }

    @Override
    public void release(Collection<String> receiptHandles) {
      receiptHandles.forEach(h -> hiddenUntil.put(handleToId.get(h), Instant.MIN));
    }

    @Override
    public List<String> delete(Collection<String> receiptHandles) {
      receiptHandles.forEach(h -> hiddenUntil.remove(handleToId.get(h)));
      return List.of();
    }

    long visible() {
      return hiddenUntil.values().stream().filter(t -> !t.isAfter(clock.instant())).count();
    }

    @Override
    public Depth depth() {
      return new Depth(visible(), hiddenUntil.size() - visible());
    }

    @Override
    public MoveTask startMoveToWorkQueue() {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<MoveTask> moveTasks() {
      return List.of();
    }
  }

  @Test
  void aWalkLongerThanItsHoldStopsBeforeItsFirstMessagesReappearAndSaysItIsIncomplete() {
    // 3,000 messages at 10 a receive take 300 s to walk, more than the hold.
    LapsingDlq dlq = new LapsingDlq(3_000);
    DlqInspector inspector = new DlqInspector(dlq, 100_000, Duration.ZERO, clock);

    DlqInspector.DlqStats stats = inspector.stats();

    assertThat(stats.complete()).isFalse();
    assertThat(stats.scanned()).isBetween(10, 3_000 - 1);
    assertThat(Duration.ofSeconds(dlq.receives).multipliedBy(PER_RECEIVE.toSeconds()))
        .isLessThan(DlqScanner.HOLD);
    assertThat(dlq.visible()).as("everything released").isEqualTo(3_000);
  }
}
