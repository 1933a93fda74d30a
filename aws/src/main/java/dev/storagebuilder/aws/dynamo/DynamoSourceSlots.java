package dev.storagebuilder.aws.dynamo;

import static dev.storagebuilder.aws.dynamo.Attributes.longValue;
import static dev.storagebuilder.aws.dynamo.Attributes.n;
import static dev.storagebuilder.aws.dynamo.Attributes.s;

import dev.storagebuilder.common.slots.SourceSlots;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * {@link SourceSlots} as one item of the runs table ({@link DynamoRunLedger}'s {@code pk}/{@code
 * sk} layout): {@code pk = "SLOTS#" + sourceId}, {@code sk = "SLOTS"}. Reusing that table needs no
 * new table, no new Terraform resource and no new IAM grant (the worker already reads and writes
 * it); the partition key cannot collide with {@code RUNS} or {@code RUN#...}.
 *
 * <p>The item holds {@code leases}, a map of holder to lease expiry (epoch millis), and {@code
 * version}, bumped by every write. An acquisition reads the item, drops expired leases, and writes
 * the whole item back only if {@code version} is still what it read (or the item still does not
 * exist): two workers racing for the last slot cannot both win, and a lost race is retried on a
 * fresh read up to {@code raceAttempts} times. Renewal and release are single conditional updates
 * that also bump the version, so an acquisition planned on the old map fails and re-reads.
 *
 * <p>Expiry is judged by each worker's clock: hosts are NTP-synchronized to milliseconds, leases
 * last minutes. The item's {@code expiresAt} (the table's TTL) moves forward with every write, so
 * only the item of a source no worker has used for the retention period disappears.
 */
public final class DynamoSourceSlots implements SourceSlots {
  public static final int DEFAULT_RACE_ATTEMPTS = 8;

  static final String PARTITION_PREFIX = "SLOTS#";
  static final String SORT_KEY = "SLOTS";
  static final String LEASES = "leases";
  static final String VERSION = "version";
  static final String CAPACITY = "capacity";
  static final String UPDATED_AT = "updatedAt";

  private static final Logger log = LoggerFactory.getLogger(DynamoSourceSlots.class);

  private final DynamoDbClient dynamo;
  private final String table;
  private final String sourceId;
  private final int capacity;
  private final Duration leaseTtl;
  private final Clock clock;
  private final int raceAttempts;

  /**
   * @param table the runs table
   * @param sourceId names the source: every worker reading it must use the same id and capacity
   * @param capacity the cap: leases held at once across the fleet
   * @param leaseTtl how long a lease lives unless renewed (the worker ties it to its visibility
   *     timeout and renews it with the message heartbeat)
   */
  public DynamoSourceSlots(DynamoDbClient dynamo, String table, String sourceId, int capacity, Duration leaseTtl) {
    this(dynamo, table, sourceId, capacity, leaseTtl, Clock.systemUTC(), DEFAULT_RACE_ATTEMPTS);
  }

  public DynamoSourceSlots(
      DynamoDbClient dynamo,
      String table,
      String sourceId,
      int capacity,
      Duration leaseTtl,
      Clock clock,
      int raceAttempts) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    if (sourceId == null || sourceId.isBlank()) {
      throw new IllegalArgumentException("source id must not be blank");
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("source slots capacity must be >= 1, got " + capacity);
    }
    if (leaseTtl == null || leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("source slot lease must be >= 1s, got " + leaseTtl);
    }
    if (raceAttempts < 1) {
      throw new IllegalArgumentException("raceAttempts must be >= 1, got " + raceAttempts);
    }
    this.sourceId = sourceId;
    this.capacity = capacity;
    this.leaseTtl = leaseTtl;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.raceAttempts = raceAttempts;
  }

  public int capacity() {
    return capacity;
  }

  @Override
  public Optional<Slot> tryAcquire(String holder) {
    Objects.requireNonNull(holder, "holder");
    return take(holder) ? Optional.of(new DynamoSlot(holder)) : Optional.empty();
  }

  /** Read, drop expired leases, add ours if there is room, write back fenced on the version. */
  private boolean take(String holder) {
    for (int attempt = 1; attempt <= raceAttempts; attempt++) {
      Optional<Map<String, AttributeValue>> stored = item();
      long now = clock.millis();
      Map<String, AttributeValue> live = new HashMap<>();
      stored
          .map(item -> item.get(LEASES))
          .filter(AttributeValue::hasM)
          .ifPresent(
              leases ->
                  leases.m().forEach((name, expiry) -> {
                    if (Long.parseLong(expiry.n()) > now) {
                      live.put(name, expiry);
                    }
                  }));
      if (!live.containsKey(holder) && live.size() >= capacity) {
        return false;
      }
      live.put(holder, n(now + leaseTtl.toMillis()));
      if (write(live, stored.map(item -> longValue(item, VERSION)), now)) {
        return true;
      }
      // Another worker wrote in between (or the SDK retried a write of ours that had landed: the
      // next read then finds our lease and rewrites it, which is why taking is idempotent).
    }
    log.debug("lost the race for a slot of source {} {} times; treating it as busy", sourceId, raceAttempts);
    return false;
  }

  private boolean write(Map<String, AttributeValue> leases, Optional<Long> readVersion, long now) {
    Map<String, AttributeValue> item = new HashMap<>(key());
    item.put(LEASES, AttributeValue.fromM(leases));
    item.put(VERSION, n(readVersion.orElse(0L) + 1));
    item.put(CAPACITY, n(capacity));
    item.put(UPDATED_AT, s(clock.instant().toString()));
    item.put(DynamoRunLedger.EXPIRES_AT, n(itemExpiresAt(now)));
    PutItemRequest.Builder put = PutItemRequest.builder().tableName(table).item(item);
    if (readVersion.isEmpty()) {
      put.conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", DynamoRunLedger.PK));
    } else {
      put.conditionExpression("#version = :read")
          .expressionAttributeNames(Map.of("#version", VERSION))
          .expressionAttributeValues(Map.of(":read", n(readVersion.get())));
    }
    try {
      dynamo.putItem(put.build());
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** Extends {@code holder}'s lease if it is still in the item (even expired: see the class doc). */
  private boolean extend(String holder) {
    return updateHolderLease(
        holder, "SET #leases.#holder = :expiry,", Map.of(":expiry", n(clock.millis() + leaseTtl.toMillis())));
  }

  private void remove(String holder) {
    // False when gone already: it expired and another worker's acquisition dropped it.
    updateHolderLease(holder, "REMOVE #leases.#holder SET", Map.of());
  }

  /** {@code leaseChange} on the holder's entry, with the item's bookkeeping, if the entry exists. */
  private boolean updateHolderLease(String holder, String leaseChange, Map<String, AttributeValue> values) {
    long now = clock.millis();
    Map<String, AttributeValue> allValues = new HashMap<>(values);
    allValues.put(":now", s(clock.instant().toString()));
    allValues.put(":ttl", n(itemExpiresAt(now)));
    allValues.put(":one", n(1));
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(key())
                  .updateExpression(leaseChange + " #updatedAt = :now, #expiresAt = :ttl ADD #version :one")
                  .conditionExpression("attribute_exists(#leases.#holder)")
                  .expressionAttributeNames(names(holder))
                  .expressionAttributeValues(allValues));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  private static Map<String, String> names(String holder) {
    return Map.of(
        "#leases", LEASES,
        "#holder", holder,
        "#updatedAt", UPDATED_AT,
        "#expiresAt", DynamoRunLedger.EXPIRES_AT,
        "#version", VERSION);
  }

  private Optional<Map<String, AttributeValue>> item() {
    Map<String, AttributeValue> item =
        dynamo.getItem(b -> b.tableName(table).key(key()).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
  }

  private Map<String, AttributeValue> key() {
    return Map.of(DynamoRunLedger.PK, s(PARTITION_PREFIX + sourceId), DynamoRunLedger.SK, s(SORT_KEY));
  }

  private static long itemExpiresAt(long nowMillis) {
    return (nowMillis + DynamoRunLedger.DEFAULT_RETENTION.toMillis()) / 1000;
  }

  private final class DynamoSlot implements Slot {
    private final String holder;
    private boolean closed;

    DynamoSlot(String holder) {
      this.holder = holder;
    }

    @Override
    public synchronized boolean renew() {
      if (closed) {
        return false;
      }
      // Reclaimed after it expired (this worker stalled past the lease): take it back if there is room.
      return extend(holder) || take(holder);
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        remove(holder);
      } catch (RuntimeException e) {
        log.warn("could not release slot {} of source {}; it frees itself within {}: {}", holder, sourceId,
            leaseTtl, e.toString());
      }
    }

    @Override
    public String toString() {
      return "slot " + holder + " of source " + sourceId;
    }
  }
}
