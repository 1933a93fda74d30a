package dev.storagebuilder.aws.dynamo;

import static dev.storagebuilder.aws.dynamo.Attributes.instant;
import static dev.storagebuilder.aws.dynamo.Attributes.integer;
import static dev.storagebuilder.aws.dynamo.Attributes.longValue;
import static dev.storagebuilder.aws.dynamo.Attributes.n;
import static dev.storagebuilder.aws.dynamo.Attributes.s;
import static dev.storagebuilder.aws.dynamo.Attributes.string;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.ledger.RunStatus;
import dev.storagebuilder.common.ledger.TargetProgress;
import dev.storagebuilder.common.ledger.TargetState;
import dev.storagebuilder.common.message.SyncMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@link RunLedger} on one DynamoDB table with a composite key ({@code pk}, {@code sk}):
 *
 * <ul>
 *   <li>a run: {@code pk = "RUNS"}, {@code sk = runId}. Run ids sort by creation time ({@code
 *       Ids.newRunId}), so "newest first" is a Query in reverse key order, no index needed. One
 *       partition holds every run: fine at a few runs an hour, the retention bounds it;
 *   <li>a target's progress in a run: {@code pk = "RUN#" + runId}, {@code sk = clientId + "#" +
 *       target}. One item per target, so redelivery updates rather than adds, and the counts
 *       derived from the entries are exact;
 *   <li>a worker that is up: {@code pk = "WORKERS"}, {@code sk = workerId}, {@code aliveAt} (epoch
 *       seconds) rewritten about once a minute, expiring a day after its last write. The producer
 *       counts the fleet from this one small partition instead of reading every run's entries.
 * </ul>
 *
 * Every item carries {@code expiresAt} (epoch seconds) for DynamoDB's TTL; dynalite ignores it.
 */
public final class DynamoRunLedger implements ConditionalRunLedger {
  private static final Logger log = LoggerFactory.getLogger(DynamoRunLedger.class);
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

  static final String PK = "pk";
  static final String SK = "sk";
  static final String EXPIRES_AT = "expiresAt";
  static final String RUNS_PARTITION = "RUNS";
  static final String RUN_PARTITION_PREFIX = "RUN#";
  static final String WORKERS_PARTITION = "WORKERS";
  static final String ALIVE_AT = "aliveAt";
  /** A worker item outlives its last write by this long (TTL); readers ask for the last minutes. */
  static final Duration WORKER_RETENTION = Duration.ofDays(1);

  /** DynamoDB's limit of items per BatchWriteItem. */
  static final int BATCH_WRITE_LIMIT = 25;

  /** DynamoDB caps an item at 400 KB; an error text longer than this is a stack trace. */
  static final int MAX_ERROR_LENGTH = 2_000;

  // run item
  static final String RUN_ID = "runId";
  static final String SCOPE = "scope";
  static final String MODE = "mode";
  static final String REQUESTED_BY = "requestedBy";
  static final String REQUESTED_AT = "requestedAt";
  static final String TOTAL_TARGETS = "totalTargets";
  /** Present (true) while the producer sends the run's messages; runs from before it lack it. */
  static final String ENQUEUEING = "enqueueing";
  /**
   * Writes over a dead-lettered entry of the run ({@link RunRecord#reopenings}); absent until the
   * first.
   */
  static final String REOPENINGS = "reopenings";
  /**
   * Writes over a dead-lettered entry begun: added before the entry's write, as {@link #REOPENINGS}
   * is after it, so that while the two differ ({@link RunRecord#reopeningInFlight}) a reader keeps
   * no counts. A writer that dies between the entry's write and its count left the counts changed
   * and {@code reopenings} not, and readers kept the old counts. Absent on runs on which no such
   * write was begun (or only by a version that did not count it so).
   */
  static final String REOPENINGS_BEGUN = "reopeningsBegun";
  // target entry
  static final String CLIENT_ID = "clientId";
  static final String TARGET = "target";
  static final String STATE = "state";
  static final String ATTEMPTS = "attempts";
  static final String LAST_ERROR = "lastError";
  static final String WORKER_ID = "workerId";
  static final String ROWS = "rows";
  static final String BYTES = "bytes";
  static final String DURATION_MILLIS = "durationMillis";
  static final String VERSION_SEQUENCE = "versionSequence";
  static final String UPDATED_AT = "updatedAt";

  /**
   * Never overwrite a success: a late duplicate must not un-finish a target. Nor a dead-letter in
   * the same write: a write over one is begun on the run item first (see {@link #update}).
   */
  private static final String NEITHER_SUCCEEDED_NOR_DEAD_LETTERED =
      "attribute_not_exists(#pk) OR (#state <> :succeeded AND #state <> :deadLettered)";

  private static final String STILL_DEAD_LETTERED = "#state = :deadLettered";

  /** Writes that find the entry changed between their tries before {@link #update} gives up. */
  private static final int MAX_ENTRY_RACES = 5;

  private final DynamoDbClient dynamo;
  private final String table;
  private final Clock clock;
  private final Duration retention;

  public DynamoRunLedger(DynamoDbClient dynamo, String table) {
    this(dynamo, table, Clock.systemUTC(), DEFAULT_RETENTION);
  }

  /**
   * @param clock stamps {@code updatedAt} and {@code expiresAt}
   * @param retention how long runs and their entries live before DynamoDB's TTL removes them
   */
  public DynamoRunLedger(DynamoDbClient dynamo, String table, Clock clock, Duration retention) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (retention == null || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("runs.retention must be positive, got " + retention);
    }
    this.retention = retention;
  }

  /** Writes (or rewrites, idempotently) the run item. */
  @Override
  public void createRun(RunRecord run) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(PK, s(RUNS_PARTITION));
    item.put(SK, s(run.runId()));
    item.put(RUN_ID, s(run.runId()));
    item.put(SCOPE, s(run.scope()));
    item.put(MODE, s(run.mode().wireName()));
    if (run.requestedBy() != null) {
      item.put(REQUESTED_BY, s(run.requestedBy()));
    }
    item.put(REQUESTED_AT, s(run.requestedAt().toString()));
    item.put(TOTAL_TARGETS, n(run.totalTargets()));
    if (run.enqueueing()) {
      item.put(ENQUEUEING, AttributeValue.fromBool(true));
    }
    if (run.reopenings() > 0) {
      item.put(REOPENINGS, n(run.reopenings()));
    }
    if (run.reopeningInFlight()) {
      item.put(REOPENINGS_BEGUN, n(run.reopenings() + 1));
    }
    item.put(EXPIRES_AT, n(expiresAt()));
    // A plain put: the SDK may retry a put that did land, and a condition would then fail it.
    dynamo.putItem(b -> b.tableName(table).item(item));
  }

  /** Removes the run's {@code enqueueing}: idempotent, so the SDK may retry it. */
  @Override
  public void markRunSent(String runId) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(runId))
                  .updateExpression("REMOVE #enqueueing")
                  .conditionExpression("attribute_exists(#pk)")
                  .expressionAttributeNames(Map.of("#enqueueing", ENQUEUEING, "#pk", PK)));
    } catch (ConditionalCheckFailedException e) {
      // no such run (expired, or never recorded): nothing to mark, and no item to create
    }
  }

  @Override
  public Optional<RunRecord> run(String runId) {
    Map<String, AttributeValue> item =
        dynamo.getItem(b -> b.tableName(table).key(runKey(runId)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(runOf(item));
  }

  @Override
  public List<RunRecord> recentRuns(int limit) {
    return runsPage(null, limit);
  }

  /** A Query with {@code sk < before}: one page costs one read, however deep the listing. */
  @Override
  public List<RunRecord> runsBefore(String beforeRunId, int limit) {
    Objects.requireNonNull(beforeRunId, "beforeRunId");
    return runsPage(beforeRunId, limit);
  }

  private List<RunRecord> runsPage(String before, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    List<RunRecord> runs = new ArrayList<>(Math.min(limit, 100));
    Map<String, AttributeValue> startKey = null;
    do {
      Map<String, AttributeValue> from = startKey;
      QueryResponse page =
          dynamo.query(
              b -> {
                if (before == null) {
                  b.keyConditionExpression("#pk = :pk")
                      .expressionAttributeNames(Map.of("#pk", PK))
                      .expressionAttributeValues(Map.of(":pk", s(RUNS_PARTITION)));
                } else {
                  b.keyConditionExpression("#pk = :pk AND #sk < :before")
                      .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                      .expressionAttributeValues(
                          Map.of(":pk", s(RUNS_PARTITION), ":before", s(before)));
                }
                b.tableName(table)
                    .scanIndexForward(false)
                    .consistentRead(true)
                    .limit(limit - runs.size());
                if (from != null) {
                  b.exclusiveStartKey(from);
                }
              });
      for (Map<String, AttributeValue> item : page.items()) {
        runs.add(runOf(item));
      }
      startKey =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (startKey != null && runs.size() < limit);
    return List.copyOf(runs);
  }

  @Override
  public boolean markRunning(String runId, TargetRef target, String workerId) {
    Instant now = clock.instant();
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    StringBuilder set = new StringBuilder("SET ");
    set(set, names, values, STATE, s(TargetState.RUNNING.wireName()));
    set(set, names, values, UPDATED_AT, s(now.toString()));
    set(set, names, values, CLIENT_ID, s(target.clientId()));
    set(set, names, values, TARGET, s(target.target()));
    set(set, names, values, EXPIRES_AT, n(expiresAt()));
    if (workerId != null) {
      set(set, names, values, WORKER_ID, s(workerId));
    }
    names.put("#attempts", ATTEMPTS);
    values.put(":one", n(1));
    String update = set + " ADD #attempts :one";
    try {
      update(runId, target, update, names, values);
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /**
   * Sets every field of {@code progress}. {@code attempts} is set only when positive: a caller that
   * does not count deliveries itself keeps the count {@link #markRunning} maintains. A null {@code
   * lastError} keeps the previous one (the most recent failure stays visible after a success).
   */
  @Override
  public void markOutcome(String runId, TargetProgress progress) {
    writeOutcome(runId, progress, false);
  }

  /** One UpdateItem: the outcome's fields and {@code ADD attempts 1}. */
  @Override
  public void markFinished(String runId, TargetProgress progress) {
    writeOutcome(runId, progress, true);
  }

  private void writeOutcome(String runId, TargetProgress progress, boolean countAttempt) {
    Map<String, AttributeValue> fields = outcomeFields(progress);
    if (progress.attempts() > 0 && !countAttempt) {
      fields.put(ATTEMPTS, n(progress.attempts()));
    }
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    StringBuilder set = new StringBuilder("SET ");
    fields.forEach((attribute, value) -> set(set, names, values, attribute, value));
    String update = set.toString();
    if (countAttempt) {
      names.put("#attempts", ATTEMPTS);
      values.put(":one", n(1));
      update += " ADD #attempts :one";
    }
    try {
      update(runId, progress.target(), update, names, values);
    } catch (ConditionalCheckFailedException e) {
      // Already SUCCEEDED: this outcome is a late duplicate's and changes nothing.
    }
  }

  /**
   * One UpdateItem like {@link #markOutcome}, conditional on the entry's state and updatedAt as
   * {@code seen} read them (every write of an entry sets updatedAt). A success still never changes.
   */
  @Override
  public boolean markOutcomeIfUnchanged(
      String runId, TargetProgress seen, TargetProgress progress) {
    if (!seen.target().equals(progress.target())) {
      throw new IllegalArgumentException(
          "seen is " + seen.target() + " but progress is " + progress.target());
    }
    if (seen.state() == TargetState.SUCCEEDED) {
      return false;
    }
    Map<String, AttributeValue> fields = outcomeFields(progress);
    if (progress.attempts() > 0) {
      fields.put(ATTEMPTS, n(progress.attempts()));
    }
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    StringBuilder set = new StringBuilder("SET ");
    fields.forEach((attribute, value) -> set(set, names, values, attribute, value));
    names.put("#pk", PK);
    names.put("#state", STATE);
    names.put("#seenUpdatedAt", UPDATED_AT);
    values.put(":seenState", s(seen.state().wireName()));
    String unchanged = "attribute_exists(#pk) AND #state = :seenState AND ";
    if (seen.updatedAt() == null) {
      unchanged += "attribute_not_exists(#seenUpdatedAt)";
    } else {
      values.put(":seenUpdatedAt", s(seen.updatedAt().toString()));
      unchanged += "#seenUpdatedAt = :seenUpdatedAt";
    }
    String condition = unchanged;
    Runnable write =
        () ->
            dynamo.updateItem(
                b ->
                    b.tableName(table)
                        .key(entryKey(runId, progress.target()))
                        .updateExpression(set.toString())
                        .conditionExpression(condition)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values));
    if (seen.state() == TargetState.DEAD_LETTERED) {
      return reopen(runId, write);
    }
    try {
      write.run();
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** What an outcome sets on its entry; a null {@code lastError} or {@code workerId} keeps the previous one. */
  private Map<String, AttributeValue> outcomeFields(TargetProgress progress) {
    TargetRef target = progress.target();
    Instant updatedAt = progress.updatedAt() == null ? clock.instant() : progress.updatedAt();
    Map<String, AttributeValue> fields = new LinkedHashMap<>();
    fields.put(STATE, s(progress.state().wireName()));
    fields.put(CLIENT_ID, s(target.clientId()));
    fields.put(TARGET, s(target.target()));
    fields.put(ROWS, n(progress.rows()));
    fields.put(BYTES, n(progress.bytes()));
    fields.put(DURATION_MILLIS, n(progress.durationMillis()));
    fields.put(VERSION_SEQUENCE, n(progress.versionSequence()));
    fields.put(UPDATED_AT, s(updatedAt.toString()));
    fields.put(EXPIRES_AT, n(expiresAt()));
    if (progress.workerId() != null) {
      fields.put(WORKER_ID, s(progress.workerId()));
    }
    if (progress.lastError() != null) {
      fields.put(LAST_ERROR, s(truncate(progress.lastError())));
    }
    return fields;
  }

  /**
   * Two requests per {@value #BATCH_WRITE_LIMIT} successes instead of a conditional UpdateItem
   * each: a consistent BatchGetItem of their entries, then a BatchWriteItem of the new entries.
   * Most of an incremental update-all's targets find nothing to sync, and one write per target was
   * a third of their worker's time. BatchWriteItem takes no condition, so "never overwrite a
   * success" is checked on the entries just read, and each new entry carries the attempts and last
   * error it replaces. A write to the same entry between the read and the put (only two copies of
   * one message running at once can make one) is overwritten: the entry still ends SUCCEEDED, with
   * that copy's attempt possibly not counted. Successes of one entry in the same call are a late
   * duplicate's after the first, and dropped like one. Keys or items DynamoDB leaves unprocessed
   * (throttling) take the conditional single-item path.
   */
  @Override
  public void markSucceeded(List<Success> successes) {
    for (int from = 0; from < successes.size(); from += BATCH_WRITE_LIMIT) {
      writeSucceeded(successes.subList(from, Math.min(successes.size(), from + BATCH_WRITE_LIMIT)));
    }
  }

  private void writeSucceeded(List<Success> chunk) {
    Map<Map<String, AttributeValue>, Success> byKey = new LinkedHashMap<>();
    for (Success success : chunk) {
      byKey.putIfAbsent(entryKey(success.runId(), success.progress().target()), success);
    }
    BatchGetItemResponse read =
        dynamo.batchGetItem(b -> b.requestItems(Map.of(table,
            KeysAndAttributes.builder().keys(byKey.keySet()).consistentRead(true).build())));
    Map<Map<String, AttributeValue>, Map<String, AttributeValue>> entries = new HashMap<>();
    for (Map<String, AttributeValue> item : read.responses().getOrDefault(table, List.of())) {
      entries.put(Map.of(PK, item.get(PK), SK, item.get(SK)), item);
    }
    KeysAndAttributes unread = read.unprocessedKeys().get(table);
    Set<Map<String, AttributeValue>> unanswered = unread == null ? Set.of() : new HashSet<>(unread.keys());
    List<WriteRequest> puts = new ArrayList<>(byKey.size());
    Set<String> reopened = new HashSet<>();
    for (Map.Entry<Map<String, AttributeValue>, Success> next : byKey.entrySet()) {
      Success success = next.getValue();
      if (unanswered.contains(next.getKey())) {
        writeOutcome(success.runId(), success.progress(), !success.markedRunning());
        continue;
      }
      Map<String, AttributeValue> before = entries.get(next.getKey());
      if (before != null && TargetState.SUCCEEDED.wireName().equals(string(before, STATE))) {
        continue; // a late duplicate, as the conditional write would refuse it
      }
      Map<String, AttributeValue> item = succeededEntry(next.getKey(), before, success);
      puts.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
      if (before != null && TargetState.DEAD_LETTERED.wireName().equals(string(before, STATE))) {
        reopened.add(success.runId());
      }
    }
    if (puts.isEmpty()) {
      return;
    }
    // BatchWriteItem takes no condition: these entries were read dead-lettered just now
    reopened.forEach(this::beginReopening);
    try {
      BatchWriteItemResponse written = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, puts)));
      for (WriteRequest unwritten : written.unprocessedItems().getOrDefault(table, List.of())) {
        Map<String, AttributeValue> item = unwritten.putRequest().item();
        Success success = byKey.get(Map.of(PK, item.get(PK), SK, item.get(SK)));
        writeOutcome(success.runId(), success.progress(), !success.markedRunning());
      }
    } finally {
      // Counted once more when an unprocessed put's own write counted it: at least once is the rule.
      reopened.forEach(this::countReopening);
    }
  }

  /** The entry {@code before} (null: none yet) with the success written over it, as the conditional write would leave it. */
  private Map<String, AttributeValue> succeededEntry(
      Map<String, AttributeValue> key, Map<String, AttributeValue> before, Success success) {
    Map<String, AttributeValue> item = before == null ? new HashMap<>() : new HashMap<>(before);
    item.putAll(key);
    item.putAll(outcomeFields(success.progress()));
    int counted = before == null ? 0 : integer(before, ATTEMPTS);
    int attempts;
    if (!success.markedRunning()) {
      attempts = counted + 1;
    } else if (success.progress().attempts() > 0) {
      attempts = success.progress().attempts();
    } else {
      attempts = Math.max(counted, 1);
    }
    item.put(ATTEMPTS, n(attempts));
    return item;
  }

  @Override
  public List<TargetProgress> targets(String runId) {
    List<TargetProgress> targets = new ArrayList<>();
    for (Map<String, AttributeValue> item : entries(runId, null)) {
      targets.add(progressOf(item));
    }
    return List.copyOf(targets);
  }

  @Override
  public Optional<RunStatus> status(String runId) {
    Optional<RunRecord> run = run(runId);
    if (run.isEmpty()) {
      return Optional.empty();
    }
    Map<TargetState, Integer> counts = new EnumMap<>(TargetState.class);
    int entries = 0;
    long rows = 0;
    long bytes = 0;
    Instant lastUpdate = null;
    for (Map<String, AttributeValue> item : entries(runId, "#state, #rows, #bytes, #updatedAt")) {
      entries++;
      counts.merge(TargetState.fromWire(string(item, STATE)), 1, Integer::sum);
      rows += longValue(item, ROWS);
      bytes += longValue(item, BYTES);
      Instant updated = instant(item, UPDATED_AT);
      if (updated != null && (lastUpdate == null || updated.isAfter(lastUpdate))) {
        lastUpdate = updated;
      }
    }
    // Targets no worker has touched yet have no entry: they are still queued.
    int untouched = Math.max(0, run.get().totalTargets() - entries);
    counts.merge(TargetState.QUEUED, untouched, Integer::sum);
    return Optional.of(new RunStatus(run.get(), counts, untouched, rows, bytes, lastUpdate));
  }

  private Iterable<Map<String, AttributeValue>> entries(String runId, String projection) {
    QueryRequest.Builder query =
        QueryRequest.builder()
            .tableName(table)
            .keyConditionExpression("#pk = :pk")
            .expressionAttributeValues(Map.of(":pk", s(RUN_PARTITION_PREFIX + runId)))
            .consistentRead(true);
    Map<String, String> names = new HashMap<>();
    names.put("#pk", PK);
    if (projection != null) {
      names.put("#state", STATE);
      names.put("#rows", ROWS);
      names.put("#bytes", BYTES);
      names.put("#updatedAt", UPDATED_AT);
      query.projectionExpression(projection);
    }
    query.expressionAttributeNames(names);
    return dynamo.queryPaginator(query.build()).items();
  }

  /**
   * One conditional UpdateItem of an entry that is neither succeeded nor dead-lettered: the common
   * case, one request. One that is dead-lettered is written over as a reopening (the refused write,
   * a read of the entry, begun on the run item, written, counted: five requests where there were
   * two, and rare); a success is never overwritten (the
   * ConditionalCheckFailedException goes to the caller, as the single write's did).
   */
  private void update(
      String runId,
      TargetRef target,
      String updateExpression,
      Map<String, String> names,
      Map<String, AttributeValue> values) {
    ConditionalCheckFailedException refused = null;
    for (int attempt = 0; attempt < MAX_ENTRY_RACES; attempt++) {
      try {
        updateEntry(runId, target, updateExpression, NEITHER_SUCCEEDED_NOR_DEAD_LETTERED, names, values);
        return;
      } catch (ConditionalCheckFailedException e) {
        refused = e;
      }
      String state = currentState(runId, target);
      if (TargetState.SUCCEEDED.wireName().equals(state)) {
        throw refused;
      }
      if (TargetState.DEAD_LETTERED.wireName().equals(state)
          && reopen(runId, () -> updateEntry(runId, target, updateExpression, STILL_DEAD_LETTERED, names, values))) {
        return;
      }
      // the entry changed between the write and the read: the next try sees how it is now
    }
    // Not the ConditionalCheckFailedException: callers read that as "already succeeded".
    throw new IllegalStateException(
        "the entry of " + target + " in run " + runId + " changed under " + MAX_ENTRY_RACES + " writes in a row", refused);
  }

  private void updateEntry(
      String runId,
      TargetRef target,
      String updateExpression,
      String condition,
      Map<String, String> names,
      Map<String, AttributeValue> values) {
    // DynamoDB refuses names and values the expressions do not use
    Map<String, String> usedNames = new HashMap<>(names);
    Map<String, AttributeValue> usedValues = new HashMap<>(values);
    usedNames.put("#state", STATE);
    usedValues.put(":deadLettered", s(TargetState.DEAD_LETTERED.wireName()));
    if (condition.equals(NEITHER_SUCCEEDED_NOR_DEAD_LETTERED)) {
      usedNames.put("#pk", PK);
      usedValues.put(":succeeded", s(TargetState.SUCCEEDED.wireName()));
    }
    dynamo.updateItem(
        b ->
            b.tableName(table)
                .key(entryKey(runId, target))
                .updateExpression(updateExpression)
                .conditionExpression(condition)
                .expressionAttributeNames(usedNames)
                .expressionAttributeValues(usedValues));
  }

  /** The entry's state as stored now (a consistent read); null when it has none. */
  private String currentState(String runId, TargetRef target) {
    Map<String, AttributeValue> item =
        dynamo
            .getItem(
                b ->
                    b.tableName(table)
                        .key(entryKey(runId, target))
                        .consistentRead(true)
                        .projectionExpression("#state")
                        .expressionAttributeNames(Map.of("#state", STATE)))
            .item();
    return item == null || !item.containsKey(STATE) ? null : item.get(STATE).s();
  }

  /**
   * A write over a dead-lettered entry of the run: begun on the run item, made, then counted, so
   * that a reader sees either the reopening in flight or a changed count, also when this writer
   * dies or fails in between. False when {@code write} found the entry changed (nothing written).
   *
   * @throws RuntimeException when the run item cannot be marked (nothing written: retry it)
   */
  private boolean reopen(String runId, Runnable write) {
    beginReopening(runId);
    try {
      write.run();
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    } finally {
      countReopening(runId);
    }
  }

  /** Adds 1 to the run's begun reopenings, before the write over its dead-lettered entry. */
  private void beginReopening(String runId) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(runId))
                  .updateExpression("ADD #begun :one")
                  .conditionExpression("attribute_exists(#pk)")
                  .expressionAttributeNames(Map.of("#begun", REOPENINGS_BEGUN, "#pk", PK))
                  .expressionAttributeValues(Map.of(":one", n(1))));
    } catch (ConditionalCheckFailedException e) {
      // no such run (expired): nobody reads its counts
    }
  }

  /**
   * Adds 1 to the run's reopenings, after the write over its dead-lettered entry: a reader that
   * read the run item before that write sees the change on its next read. A failure (after the
   * SDK's retries) is logged, not thrown: the entry is written, and failing the caller would have
   * it write again over an entry that is no longer dead-lettered; the run then reads as a
   * reopening in flight for good, so readers keep none of its counts (they read its entries).
   */
  private void countReopening(String runId) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(runId))
                  .updateExpression("ADD #reopenings :one")
                  .conditionExpression("attribute_exists(#pk)")
                  .expressionAttributeNames(Map.of("#reopenings", REOPENINGS, "#pk", PK))
                  .expressionAttributeValues(Map.of(":one", n(1))));
    } catch (ConditionalCheckFailedException e) {
      // no such run (expired): nobody reads its counts
    } catch (RuntimeException e) {
      log.warn("cannot count a reopening of run {}: {}", runId, e.toString());
    }
  }

  /** Appends {@code #name = :name} to a SET clause; every name goes through a placeholder. */
  private static void set(
      StringBuilder clause,
      Map<String, String> names,
      Map<String, AttributeValue> values,
      String attribute,
      AttributeValue value) {
    if (!names.isEmpty()) {
      clause.append(", ");
    }
    clause.append('#').append(attribute).append(" = :").append(attribute);
    names.put("#" + attribute, attribute);
    values.put(":" + attribute, value);
  }

  @Override
  public void markWorkerAlive(String workerId, Instant at) {
    dynamo.updateItem(
        b ->
            b.tableName(table)
                .key(Map.of(PK, s(WORKERS_PARTITION), SK, s(workerId)))
                .updateExpression("SET #aliveAt = :aliveAt, #expiresAt = :expiresAt")
                .expressionAttributeNames(Map.of("#aliveAt", ALIVE_AT, "#expiresAt", EXPIRES_AT))
                .expressionAttributeValues(Map.of(
                    ":aliveAt", n(at.getEpochSecond()),
                    ":expiresAt", n(at.plus(WORKER_RETENTION).getEpochSecond()))));
  }

  @Override
  public Set<String> workersAliveSince(Instant since) {
    Set<String> alive = new HashSet<>();
    QueryRequest request =
        QueryRequest.builder()
            .tableName(table)
            .keyConditionExpression("#pk = :pk")
            .filterExpression("#aliveAt >= :since")
            .expressionAttributeNames(Map.of("#pk", PK, "#aliveAt", ALIVE_AT))
            .expressionAttributeValues(Map.of(":pk", s(WORKERS_PARTITION), ":since", n(since.getEpochSecond())))
            .build();
    for (Map<String, AttributeValue> item : dynamo.queryPaginator(request).items()) {
      alive.add(item.get(SK).s());
    }
    return alive;
  }

  private long expiresAt() {
    return clock.instant().plus(retention).getEpochSecond();
  }

  private static Map<String, AttributeValue> runKey(String runId) {
    return Map.of(PK, s(RUNS_PARTITION), SK, s(runId));
  }

  private static Map<String, AttributeValue> entryKey(String runId, TargetRef target) {
    return Map.of(
        PK, s(RUN_PARTITION_PREFIX + runId), SK, s(target.clientId() + "#" + target.target()));
  }

  private static String truncate(String error) {
    return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH) + "…";
  }

  private static RunRecord runOf(Map<String, AttributeValue> item) {
    return new RunRecord(
        string(item, RUN_ID),
        string(item, SCOPE),
        SyncMode.fromWire(string(item, MODE)),
        string(item, REQUESTED_BY),
        instant(item, REQUESTED_AT),
        integer(item, TOTAL_TARGETS),
        // absent on runs recorded before the attribute existed: those were sent in full
        item.containsKey(ENQUEUEING) && Boolean.TRUE.equals(item.get(ENQUEUEING).bool()),
        item.containsKey(REOPENINGS) ? longValue(item, REOPENINGS) : 0,
        item.containsKey(REOPENINGS_BEGUN)
            && longValue(item, REOPENINGS_BEGUN) != (item.containsKey(REOPENINGS) ? longValue(item, REOPENINGS) : 0));
  }

  private static TargetProgress progressOf(Map<String, AttributeValue> item) {
    TargetRef target;
    String clientId = string(item, CLIENT_ID);
    String name = string(item, TARGET);
    if (clientId != null && name != null) {
      target = new TargetRef(clientId, name);
    } else {
      target = DynamoVersionLedger.targetOf(string(item, SK));
    }
    return new TargetProgress(
        target,
        TargetState.fromWire(string(item, STATE)),
        integer(item, ATTEMPTS),
        string(item, LAST_ERROR),
        string(item, WORKER_ID),
        longValue(item, ROWS),
        longValue(item, BYTES),
        longValue(item, DURATION_MILLIS),
        longValue(item, VERSION_SEQUENCE),
        instant(item, UPDATED_AT));
  }
}
