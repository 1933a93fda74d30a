package dev.storagebuilder.aws.dynamo;

import dev.storagebuilder.aws.config.AwsSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * Creates the ledger tables for local stacks and tests (production tables come from Terraform, with
 * TTL on {@code expiresAt} and point-in-time recovery).
 *
 * <p>Idempotent: an existing table is left as it is. Waits for ACTIVE by polling DescribeTable
 * every {@value #POLL_MILLIS} ms; the SDK's waiter polls every 20 s, far too slow for a test or a
 * demo.
 */
public final class LedgerTables {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final long POLL_MILLIS = 50;

  private static final Logger log = LoggerFactory.getLogger(LedgerTables.class);

  private LedgerTables() {}

  /** Both ledger tables of {@code settings}, ACTIVE within {@link #DEFAULT_TIMEOUT}. */
  public static void ensure(DynamoDbClient dynamo, AwsSettings settings) {
    ensure(dynamo, settings, DEFAULT_TIMEOUT);
  }

  public static void ensure(DynamoDbClient dynamo, AwsSettings settings, Duration timeout) {
    ensureVersionsTable(dynamo, settings.versionsTable(), timeout);
    ensureRunsTable(dynamo, settings.runsTable(), timeout);
  }

  /** Hash key {@code target} (S). */
  public static void ensureVersionsTable(DynamoDbClient dynamo, String table, Duration timeout) {
    create(
        dynamo,
        table,
        List.of(key(DynamoVersionLedger.TARGET, KeyType.HASH)),
        List.of(stringAttribute(DynamoVersionLedger.TARGET)));
    awaitActive(dynamo, table, timeout);
  }

  /** Hash key {@code pk} (S), range key {@code sk} (S); TTL attribute {@code expiresAt}. */
  public static void ensureRunsTable(DynamoDbClient dynamo, String table, Duration timeout) {
    create(
        dynamo,
        table,
        List.of(key(DynamoRunLedger.PK, KeyType.HASH), key(DynamoRunLedger.SK, KeyType.RANGE)),
        List.of(stringAttribute(DynamoRunLedger.PK), stringAttribute(DynamoRunLedger.SK)));
    awaitActive(dynamo, table, timeout);
    enableTimeToLive(dynamo, table);
  }

  private static void create(
      DynamoDbClient dynamo,
      String table,
      List<KeySchemaElement> keys,
      List<AttributeDefinition> attributes) {
    try {
      dynamo.createTable(
          b ->
              b.tableName(table)
                  .keySchema(keys)
                  .attributeDefinitions(attributes)
                  .billingMode(BillingMode.PAY_PER_REQUEST));
    } catch (ResourceInUseException e) {
      // exists already (or is being created by another process): wait for it below
    }
  }

  private static void awaitActive(DynamoDbClient dynamo, String table, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    TableStatus status = null;
    while (true) {
      try {
        status = dynamo.describeTable(b -> b.tableName(table)).table().tableStatus();
        if (status == TableStatus.ACTIVE) {
          return;
        }
      } catch (ResourceNotFoundException e) {
        // created by a concurrent caller that has not registered it yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "DynamoDB table "
                + table
                + " not ACTIVE after "
                + timeout
                + " (status "
                + status
                + ")");
      }
      // A startup-only poll loop: parking is the plain way to pace it.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
      if (Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("interrupted while waiting for table " + table);
      }
    }
  }

  /**
   * Best effort: real DynamoDB then expires old runs; dynalite has no TTL API and answers
   * UnknownOperation, which is fine for a local stack.
   */
  private static void enableTimeToLive(DynamoDbClient dynamo, String table) {
    try {
      dynamo.updateTimeToLive(
          b ->
              b.tableName(table)
                  .timeToLiveSpecification(
                      t -> t.attributeName(DynamoRunLedger.EXPIRES_AT).enabled(true)));
    } catch (DynamoDbException e) {
      // Already enabled (ValidationException) or not supported by the emulator.
      log.debug("TTL on {} not changed: {}", table, e.toString());
    }
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }

  private static AttributeDefinition stringAttribute(String name) {
    return AttributeDefinition.builder()
        .attributeName(name)
        .attributeType(ScalarAttributeType.S)
        .build();
  }
}
