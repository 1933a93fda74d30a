package dev.storagebuilder.aws.dynamo;

import static dev.storagebuilder.aws.dynamo.Attributes.instant;
import static dev.storagebuilder.aws.dynamo.Attributes.integer;
import static dev.storagebuilder.aws.dynamo.Attributes.longValue;
import static dev.storagebuilder.aws.dynamo.Attributes.n;
import static dev.storagebuilder.aws.dynamo.Attributes.s;
import static dev.storagebuilder.aws.dynamo.Attributes.string;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * {@link VersionLedger} on a DynamoDB table keyed by {@code target} ({@link TargetRef#key()}).
 *
 * <p>One item per target holds the current version and a {@code history} list of the last {@value
 * #HISTORY_LIMIT} commits, newest first (the current one included). A commit reads the item, builds
 * the next one with its entry prepended, and writes it with a compare-and-set on {@code sequence}:
 * because every commit changes the sequence, the history the committer read is exactly the history
 * it replaces. No transactions (dynalite has none; on DynamoDB a single-item condition is also the
 * cheapest way to fence).
 *
 * <p>Reads are strongly consistent: a worker must never plan a commit on a stale sequence it could
 * have known better about.
 */
public final class DynamoVersionLedger implements VersionLedger {
  /** Commits kept per target; ~300 bytes each, far below DynamoDB's 400 KB item limit. */
  public static final int HISTORY_LIMIT = 20;

  static final String TARGET = "target";
  static final String SEQUENCE = "sequence";
  static final String WATERMARK = "watermark";
  static final String MANIFEST_KEY = "manifestKey";
  static final String ROW_COUNT = "rowCount";
  static final String CONTENT_CHECKSUM = "contentChecksum";
  static final String CHAIN_LENGTH = "chainLength";
  static final String RUN_ID = "runId";
  static final String COMMITTED_AT = "committedAt";
  static final String SHAPE = "shape";
  static final String HISTORY = "history";

  /** Everything but the history: what listings need. */
  private static final String CURRENT_PROJECTION =
      "#target, #sequence, #watermark, #manifestKey, #rowCount, #contentChecksum, #chainLength,"
          + " #runId, #committedAt, #shape";

  private static final Map<String, String> CURRENT_NAMES =
      Map.ofEntries(
          Map.entry("#target", TARGET),
          Map.entry("#sequence", SEQUENCE),
          Map.entry("#watermark", WATERMARK),
          Map.entry("#manifestKey", MANIFEST_KEY),
          Map.entry("#rowCount", ROW_COUNT),
          Map.entry("#contentChecksum", CONTENT_CHECKSUM),
          Map.entry("#chainLength", CHAIN_LENGTH),
          Map.entry("#runId", RUN_ID),
          Map.entry("#committedAt", COMMITTED_AT),
          Map.entry("#shape", SHAPE));

  /** DynamoDB's limit of keys per BatchGetItem. */
  static final int BATCH_GET_LIMIT = 100;

  /** Requests per batch: the first, and one more for keys DynamoDB left unprocessed (throttling). */
  private static final int BATCH_GET_ROUNDS = 2;

  /** Items this ledger read lately, so the commit that follows a read need not read again. */
  private static final int RECENT_READS = 64;

  private final DynamoDbClient dynamo;
  private final String table;
  private final Map<String, Map<String, AttributeValue>> recentReads =
      Collections.synchronizedMap(
          new LinkedHashMap<>(RECENT_READS, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<String, AttributeValue>> eldest) {
              return size() > RECENT_READS;
            }
          });

  public DynamoVersionLedger(DynamoDbClient dynamo, String table) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
  }

  @Override
  public Optional<TargetVersion> current(TargetRef target) {
    return item(target).map(item -> fromAttributes(target, item));
  }

  /**
   * BatchGetItem, strongly consistent, {@value #BATCH_GET_LIMIT} keys a request; keys DynamoDB
   * leaves unprocessed are asked again once, then left out. The items serve the commits that follow
   * like those {@link #current} read.
   */
  @Override
  public Map<TargetRef, Optional<TargetVersion>> currentOf(Collection<TargetRef> targets) {
    Map<String, TargetRef> byKey = new LinkedHashMap<>();
    for (TargetRef target : targets) {
      byKey.put(target.key(), target);
    }
    List<String> keys = new ArrayList<>(byKey.keySet());
    Map<TargetRef, Optional<TargetVersion>> found = new LinkedHashMap<>();
    for (int from = 0; from < keys.size(); from += BATCH_GET_LIMIT) {
      List<Map<String, AttributeValue>> request = new ArrayList<>();
      for (String key : keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT))) {
        request.add(Map.of(TARGET, s(key)));
      }
      Set<String> unanswered = new HashSet<>(keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT)));
      KeysAndAttributes pending = KeysAndAttributes.builder().keys(request).consistentRead(true).build();
      for (int round = 0; round < BATCH_GET_ROUNDS && pending != null && !pending.keys().isEmpty(); round++) {
        KeysAndAttributes ask = pending;
        BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(Map.of(table, ask)));
        for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
          String key = string(item, TARGET);
          recentReads.put(key, item);
          found.put(byKey.get(key), Optional.of(fromAttributes(byKey.get(key), item)));
        }
        pending = response.unprocessedKeys().get(table);
        Set<String> unprocessed = new HashSet<>();
        if (pending != null) {
          for (Map<String, AttributeValue> key : pending.keys()) {
            unprocessed.add(key.get(TARGET).s());
          }
        }
        unanswered.retainAll(unprocessed);
      }
      // Asked and not returned: no record. (Unprocessed ones stay out of the answer.)
      for (String key : keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT))) {
        if (!unanswered.contains(key)) {
          found.putIfAbsent(byKey.get(key), Optional.empty());
        }
      }
    }
    return found;
  }

  /**
   * @throws IllegalArgumentException when {@code next.sequence() != expectedSequence + 1}:
   *     sequences grow by exactly one per commit, which is what makes them a fencing token
   */
  @Override
  public boolean commit(TargetVersion next, long expectedSequence) {
    Objects.requireNonNull(next, "next");
    if (expectedSequence < 0 || next.sequence() != expectedSequence + 1) {
      throw new IllegalArgumentException(
          "commit of "
              + next.target()
              + ": sequence must be expectedSequence + 1, got sequence "
              + next.sequence()
              + " over expected "
              + expectedSequence);
    }
    List<AttributeValue> history = new ArrayList<>(HISTORY_LIMIT);
    history.add(AttributeValue.fromM(versionAttributes(next)));
    if (expectedSequence > 0) {
      // The item read just before (current()) serves when it is still at the expected sequence:
      // every commit changes the sequence, so that item's history is the stored one. Were it stale,
      // the conditional write below fails as it would have anyway.
      Optional<Map<String, AttributeValue>> stored =
          Optional.ofNullable(recentReads.remove(next.target().key()))
              .filter(item -> longValue(item, SEQUENCE) == expectedSequence)
              .or(() -> item(next.target()));
      if (stored.isEmpty() || longValue(stored.get(), SEQUENCE) != expectedSequence) {
        return false; // lost already: skip the write, the condition would fail anyway
      }
      AttributeValue previous = stored.get().get(HISTORY);
      if (previous != null && previous.hasL()) {
        for (AttributeValue entry : previous.l()) {
          if (history.size() == HISTORY_LIMIT) {
            break;
          }
          history.add(entry);
        }
      }
    }
    Map<String, AttributeValue> item = new HashMap<>(versionAttributes(next));
    item.put(TARGET, s(next.target().key()));
    item.put(HISTORY, AttributeValue.fromL(history));

    PutItemRequest.Builder put = PutItemRequest.builder().tableName(table).item(item);
    if (expectedSequence == 0) {
      put.conditionExpression("attribute_not_exists(#target)")
          .expressionAttributeNames(Map.of("#target", TARGET));
    } else {
      put.conditionExpression("#sequence = :expected")
          .expressionAttributeNames(Map.of("#sequence", SEQUENCE))
          .expressionAttributeValues(Map.of(":expected", n(expectedSequence)));
    }
    try {
      dynamo.putItem(put.build());
      return true;
    } catch (ConditionalCheckFailedException e) {
      // The SDK retries a PutItem whose response was lost (a timeout, a reset, a 500) after the
      // write was applied; that retry then fails its own condition. Only the stored item tells a
      // commit that lost from one that won on an earlier attempt: reporting the latter as lost
      // would have the caller delete the objects of the committed version.
      return holds(next);
    }
  }

  /**
   * Whether the stored item is {@code version}, or lists it in its history (another commit may
   * already have followed it). Every version carries its run, commit time and a manifest key with
   * a random UUID, so no other commit can equal it.
   */
  private boolean holds(TargetVersion version) {
    Optional<Map<String, AttributeValue>> stored = item(version.target());
    if (stored.isEmpty()) {
      return false;
    }
    if (fromAttributes(version.target(), stored.get()).equals(version)) {
      return true;
    }
    AttributeValue history = stored.get().get(HISTORY);
    if (history == null || !history.hasL()) {
      return false;
    }
    for (AttributeValue entry : history.l()) {
      if (entry.hasM() && fromAttributes(version.target(), entry.m()).equals(version)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public List<TargetVersion> history(TargetRef target) {
    Optional<Map<String, AttributeValue>> item = item(target);
    if (item.isEmpty()) {
      return List.of();
    }
    AttributeValue history = item.get().get(HISTORY);
    if (history == null || !history.hasL()) {
      return List.of(fromAttributes(target, item.get()));
    }
    List<TargetVersion> versions = new ArrayList<>(history.l().size());
    for (AttributeValue entry : history.l()) {
      versions.add(fromAttributes(target, entry.m()));
    }
    return List.copyOf(versions);
  }

  @Override
  public List<TargetVersion> all() {
    List<TargetVersion> versions = new ArrayList<>();
    for (Map<String, AttributeValue> item :
        dynamo
            .scanPaginator(
                b ->
                    b.tableName(table)
                        .consistentRead(true)
                        .projectionExpression(CURRENT_PROJECTION)
                        .expressionAttributeNames(CURRENT_NAMES))
            .items()) {
      versions.add(fromAttributes(targetOf(string(item, TARGET)), item));
    }
    versions.sort((a, b) -> a.target().compareTo(b.target()));
    return versions;
  }

  private Optional<Map<String, AttributeValue>> item(TargetRef target) {
    Map<String, AttributeValue> item =
        dynamo
            .getItem(
                b -> b.tableName(table).key(Map.of(TARGET, s(target.key()))).consistentRead(true))
            .item();
    if (item == null || item.isEmpty()) {
      return Optional.empty();
    }
    recentReads.put(target.key(), item);
    return Optional.of(item);
  }

  private static Map<String, AttributeValue> versionAttributes(TargetVersion version) {
    Map<String, AttributeValue> attributes = new HashMap<>();
    attributes.put(SEQUENCE, n(version.sequence()));
    attributes.put(WATERMARK, n(version.watermark()));
    attributes.put(MANIFEST_KEY, s(version.manifestKey()));
    attributes.put(ROW_COUNT, n(version.rowCount()));
    attributes.put(CONTENT_CHECKSUM, s(version.contentChecksum()));
    attributes.put(CHAIN_LENGTH, n(version.chainLength()));
    attributes.put(RUN_ID, s(version.runId()));
    attributes.put(COMMITTED_AT, s(version.committedAt().toString()));
    if (version.shape() != null) {
      attributes.put(SHAPE, s(version.shape()));
    }
    return attributes;
  }

  private static TargetVersion fromAttributes(TargetRef target, Map<String, AttributeValue> item) {
    return new TargetVersion(
        target,
        longValue(item, SEQUENCE),
        longValue(item, WATERMARK),
        string(item, MANIFEST_KEY),
        longValue(item, ROW_COUNT),
        string(item, CONTENT_CHECKSUM),
        integer(item, CHAIN_LENGTH),
        string(item, RUN_ID),
        instant(item, COMMITTED_AT),
        string(item, SHAPE));
  }

  /** Inverse of {@link TargetRef#key()}: client ids cannot contain '#'. */
  static TargetRef targetOf(String key) {
    int split = key.indexOf('#');
    if (split < 0) {
      throw new IllegalStateException("version record key '" + key + "' is not clientId#target");
    }
    return new TargetRef(key.substring(0, split), key.substring(split + 1));
  }
}
