package dev.storagebuilder.producer.dlq;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.producer.ConflictException;
import dev.storagebuilder.producer.dlq.RedriveRequest.RunChoice;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves messages from the DLQ back to the work queue.
 *
 * <p>Everything, into the original runs: the queue service's own move task (fast, server-side, one
 * per queue at a time). Anything else (a filter, a dry run, a new run) walks the DLQ holding every
 * message, re-sends the matching ones, deletes each from the DLQ only after its send succeeded, and
 * releases the rest. A message is therefore never lost; at worst (a delete failing after the send)
 * it exists in both queues, which the workers' idempotent commit tolerates.
 */
public final class DlqRedriver {
  private static final Logger log = LoggerFactory.getLogger(DlqRedriver.class);
  static final String REQUESTED_BY = "dlq-redrive";

  private final DeadLetterQueue dlq;
  private final WorkQueue work;
  private final ConditionalRunLedger ledger;
  private final Clock clock;
  private final RandomGenerator random;
  private final DlqScanner scanner;
  private final int scanLimit;

  public DlqRedriver(
      DeadLetterQueue dlq,
      WorkQueue work,
      ConditionalRunLedger ledger,
      Clock clock,
      RandomGenerator random,
      int scanLimit,
      Duration scanWait) {
    this.dlq = dlq;
    this.work = work;
    this.ledger = ledger;
    this.clock = clock;
    this.random = random;
    this.scanner = new DlqScanner(dlq, scanWait, clock);
    this.scanLimit = scanLimit;
  }

  public RedriveResult redrive(RedriveRequest request) {
    if (request.isMoveAll()) {
      // SQS runs one move task per queue; say so plainly instead of relaying its error.
      for (DeadLetterQueue.MoveTask task : dlq.moveTasks()) {
        if ("RUNNING".equals(task.status())) {
          throw new ConflictException(
              "a redrive of the whole DLQ is already running (task " + task.taskHandle() + ")");
        }
      }
      long depth = dlq.depth().visible();
      DeadLetterQueue.MoveTask task = dlq.startMoveToWorkQueue();
      log.info("DLQ redrive of all ~{} messages started as move task {}", depth, task.taskHandle());
      return new RedriveResult.MoveTaskStarted(task.taskHandle(), depth);
    }
    RedriveFilter filter = request.filter().orElse(RedriveFilter.ALL);
    return scanner.walk(
        scanLimit,
        (held, complete, deleted) -> redriveHeld(request, filter, held, complete, deleted));
  }

  public List<DeadLetterQueue.MoveTask> moveTasks() {
    return dlq.moveTasks();
  }

  private RedriveResult redriveHeld(
      RedriveRequest request,
      RedriveFilter filter,
      List<DlqMessage> held,
      boolean complete,
      Set<String> deleted) {
    Instant now = clock.instant();
    List<DlqMessage> matching = held.stream().filter(m -> filter.matches(m, now)).toList();

    // For a new run, only bodies that decode can be re-addressed; the rest stay where they are.
    Map<String, TargetMessage> decoded = new LinkedHashMap<>();
    Map<String, String> undecodable = new LinkedHashMap<>();
    for (DlqMessage message : matching) {
      try {
        decoded.put(message.messageId(), TargetMessageCodec.decode(message.body()));
      } catch (InvalidMessageException e) {
        undecodable.put(message.messageId(), e.reason().code() + ": " + e.getMessage());
      }
    }
    boolean newRun = request.run() == RunChoice.NEW;
    List<DlqMessage> movable =
        newRun
            ? matching.stream().filter(m -> decoded.containsKey(m.messageId())).toList()
            : matching;
    int skipped = matching.size() - movable.size();

    if (request.dryRun()) {
      List<RedriveResult.Entry> entries = new ArrayList<>();
      for (DlqMessage message : matching) {
        boolean moves = !newRun || decoded.containsKey(message.messageId());
        entries.add(
            RedriveResult.Entry.of(
                message,
                moves ? "would-move" : "skipped",
                moves ? null : "cannot join a new run: " + undecodable.get(message.messageId())));
      }
      return new RedriveResult.Filtered(
          "filtered",
          true,
          request.run().wireName(),
          filter.describe(),
          null,
          held.size(),
          complete,
          matching.size(),
          0,
          0,
          skipped,
          entries);
    }

    // Each sent message stands for the DLQ copies it carries out of the DLQ: itself, and for a new
    // run every other copy of the same client/target. The new run's ledger keeps one entry per
    // client/target, so a second message for a target (dead-lettered in two runs, or delivered
    // twice) would count in the run's total without ever finishing it.
    Map<String, List<DlqMessage>> copiesBySentId = new LinkedHashMap<>();
    if (newRun) {
      Map<TargetRef, String> sentIdByTarget = new LinkedHashMap<>();
      for (DlqMessage message : movable) {
        String sentId =
            sentIdByTarget.computeIfAbsent(
                decoded.get(message.messageId()).targetRef(), t -> message.messageId());
        copiesBySentId.computeIfAbsent(sentId, id -> new ArrayList<>()).add(message);
      }
    } else {
      movable.forEach(m -> copiesBySentId.put(m.messageId(), List.of(m)));
    }
    Map<String, DlqMessage> byId = new LinkedHashMap<>();
    movable.forEach(m -> byId.put(m.messageId(), m));

    String newRunId = null;
    List<WorkQueue.Outbound> outbound = new ArrayList<>(copiesBySentId.size());
    if (newRun && !movable.isEmpty()) {
      newRunId = Ids.newRunId(now, random);
      SyncMode mode =
          movable.stream().anyMatch(m -> decoded.get(m.messageId()).mode() == SyncMode.FULL)
              ? SyncMode.FULL
              : SyncMode.INCREMENTAL;
      // Recorded before anything is sent, like every run, and enqueueing until the copies are out:
      // should the producer die in between, the run fails at its enqueue deadline.
      ledger.createRun(
          new RunRecord(
              newRunId,
              "redrive:" + filter.describe(),
              mode,
              REQUESTED_BY,
              now,
              copiesBySentId.size(),
              true));
      for (String sentId : copiesBySentId.keySet()) {
        DlqMessage message = byId.get(sentId);
        TargetMessage original = decoded.get(sentId);
        TargetMessage readdressed =
            TargetMessage.of(newRunId, original.targetRef(), original.mode(), now);
        outbound.add(
            new WorkQueue.Outbound(
                sentId,
                TargetMessageCodec.encode(readdressed),
                original.clientId(),
                message.messageGroupId()));
      }
    } else {
      for (DlqMessage message : movable) {
        outbound.add(
            new WorkQueue.Outbound(
                message.messageId(), message.body(), message.clientId(), message.messageGroupId()));
      }
    }

    // Read before the send, marked after it: see markQueuedInOriginalRuns.
    List<DeadLettered> deadLettered =
        newRun ? List.of() : deadLetteredInOriginalRuns(movable, decoded);
    Map<String, String> sendFailures = outbound.isEmpty() ? Map.of() : work.resend(outbound);
    // Every DLQ copy shares the fate of the message sent for it.
    List<DlqMessage> sent = new ArrayList<>();
    Map<String, String> failedCopies = new LinkedHashMap<>();
    copiesBySentId.forEach(
        (sentId, copies) -> {
          String error = sendFailures.get(sentId);
          if (error == null) {
            sent.addAll(copies);
          } else {
            copies.forEach(copy -> failedCopies.put(copy.messageId(), error));
          }
        });
    Map<String, String> handleToId = new LinkedHashMap<>();
    sent.forEach(m -> handleToId.put(m.receiptHandle(), m.messageId()));
    List<String> notDeleted = sent.isEmpty() ? List.of() : dlq.delete(handleToId.keySet());
    for (DlqMessage message : sent) {
      if (!notDeleted.contains(message.receiptHandle())) {
        deleted.add(message.messageId());
      }
    }
    if (!notDeleted.isEmpty()) {
      log.warn(
          "redrive: {} messages were re-sent but could not be deleted from the DLQ; they may run"
              + " twice",
          notDeleted.size());
    }

    if (newRun) {
      recordUnsentInNewRun(newRunId, copiesBySentId.keySet(), decoded, sendFailures, now);
      if (newRunId != null) {
        markNewRunSent(newRunId);
      }
    } else {
      markQueuedInOriginalRuns(deadLettered, failedCopies.keySet(), now);
    }

    List<RedriveResult.Entry> entries = new ArrayList<>();
    for (DlqMessage message : matching) {
      String id = message.messageId();
      if (newRun && !decoded.containsKey(id)) {
        entries.add(
            RedriveResult.Entry.of(
                message, "skipped", "cannot join a new run: " + undecodable.get(id)));
      } else if (failedCopies.containsKey(id)) {
        entries.add(RedriveResult.Entry.of(message, "send-failed", failedCopies.get(id)));
      } else {
        entries.add(RedriveResult.Entry.of(message, "moved", null));
      }
    }
    log.info(
        "DLQ redrive ({}, run {}): scanned {}, matched {}, moved {}, failed {}, skipped {}{}",
        filter.describe(),
        request.run().wireName(),
        held.size(),
        matching.size(),
        sent.size(),
        failedCopies.size(),
        skipped,
        newRunId == null ? "" : ", new run " + newRunId);
    return new RedriveResult.Filtered(
        "filtered",
        false,
        request.run().wireName(),
        filter.describe(),
        newRunId,
        held.size(),
        complete,
        matching.size(),
        sent.size(),
        failedCopies.size(),
        skipped,
        entries);
  }

  /** A dead-lettered target of an original run, as read before its messages were re-sent. */
  private record DeadLettered(String runId, TargetProgress seen, List<String> messageIds) {}

  /**
   * The entries of the moved messages' targets that are dead-lettered in their original runs, read
   * before anything is sent: the entry a worker writes for a re-sent message must come after it.
   */
  private List<DeadLettered> deadLetteredInOriginalRuns(
      List<DlqMessage> movable, Map<String, TargetMessage> decoded) {
    Map<String, Map<TargetRef, List<String>>> idsByRunAndTarget = new LinkedHashMap<>();
    for (DlqMessage message : movable) {
      TargetMessage target = decoded.get(message.messageId());
      if (target != null) {
        idsByRunAndTarget
            .computeIfAbsent(target.runId(), r -> new LinkedHashMap<>())
            .computeIfAbsent(target.targetRef(), t -> new ArrayList<>())
            .add(message.messageId());
      }
    }
    List<DeadLettered> deadLettered = new ArrayList<>();
    for (Map.Entry<String, Map<TargetRef, List<String>>> run : idsByRunAndTarget.entrySet()) {
      String runId = run.getKey();
      try {
        if (ledger.run(runId).isEmpty()) {
          continue;
        }
        for (TargetProgress entry : ledger.targets(runId)) {
          List<String> messageIds = run.getValue().get(entry.target());
          if (messageIds != null && entry.state() == TargetState.DEAD_LETTERED) {
            deadLettered.add(new DeadLettered(runId, entry, messageIds));
          }
        }
      } catch (RuntimeException e) {
        // The messages go out anyway; the run's counts catch up as workers report.
        log.warn("redrive: cannot read the targets of run {}: {}", runId, e.toString());
      }
    }
    return deadLettered;
  }

  /**
   * Moved targets count as queued again in their run, which then reports running until they
   * finish. A target is marked only once a message of it went out, so a producer that dies during
   * the send leaves no entry queued for a message that never left (the run would read running
   * forever); one that dies after the send leaves the entry dead-lettered until a worker takes the
   * message. The mark is conditional on the entry being still the dead-lettered one read before
   * the send: a worker may take the message and record running, success or a new dead-letter
   * within milliseconds, and that outcome must stand rather than be overwritten with queued.
   */
  private void markQueuedInOriginalRuns(
      List<DeadLettered> deadLettered, Set<String> unsentIds, Instant now) {
    for (DeadLettered target : deadLettered) {
      if (unsentIds.containsAll(target.messageIds())) {
        continue;
      }
      TargetProgress seen = target.seen();
      TargetProgress queued =
          new TargetProgress(
              seen.target(),
              TargetState.QUEUED,
              seen.attempts(),
              seen.lastError(),
              seen.workerId(),
              0,
              0,
              0,
              0,
              now);
      try {
        ledger.markOutcomeIfUnchanged(target.runId(), seen, queued);
      } catch (RuntimeException e) {
        log.warn(
            "redrive: {} of run {} was re-sent but stays dead-lettered until a worker takes it: {}",
            seen.target(),
            target.runId(),
            e.toString());
      }
    }
  }

  /**
   * A message that stayed in the DLQ is dead-lettered in the new run too, so the run can finish.
   */
  private void markNewRunSent(String newRunId) {
    try {
      ledger.markRunSent(newRunId);
    } catch (RuntimeException e) {
      log.warn(
          "redrive: cannot record that run {}'s copies were sent; it reads failed after its"
              + " enqueue deadline unless every target finishes: {}",
          newRunId,
          e.toString());
    }
  }

  private void recordUnsentInNewRun(
      String newRunId,
      Collection<String> sentIds,
      Map<String, TargetMessage> decoded,
      Map<String, String> sendFailures,
      Instant now) {
    for (String sentId : sentIds) {
      String error = sendFailures.get(sentId);
      if (error != null) {
        try {
          ledger.markOutcome(
              newRunId,
              new TargetProgress(
                  decoded.get(sentId).targetRef(),
                  TargetState.DEAD_LETTERED,
                  0,
                  "not redriven: " + error,
                  null,
                  0,
                  0,
                  0,
                  0,
                  now));
        } catch (RuntimeException e) {
          log.warn(
              "redrive: cannot record in run {} that {} was not sent: {}",
              newRunId,
              sentId,
              e.toString());
        }
      }
    }
  }
}
