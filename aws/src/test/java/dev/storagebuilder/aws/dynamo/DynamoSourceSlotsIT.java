package dev.storagebuilder.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.contract.SourceSlotsContract;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.common.slots.SourceSlots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The source slots contract on DynamoDB (dynalite), in the runs table, plus the item layout. */
class DynamoSourceSlotsIT extends SourceSlotsContract {
  private static AwsSettings settings;
  private static DynamoDbClient dynamo;

  @BeforeAll
  static void createTables() {
    settings = LocalAws.settings("slots");
    dynamo = LocalAws.clients().dynamo();
    LedgerTables.ensure(dynamo, settings);
  }

  @Override
  protected SourceSlots slots(String sourceId, int capacity, Duration ttl, Clock clock) {
    return new DynamoSourceSlots(
        dynamo, settings.runsTable(), sourceId, capacity, ttl, clock, DynamoSourceSlots.DEFAULT_RACE_ATTEMPTS);
  }

  @Test
  void leasesLiveInOneItemOfTheRunsTableUnderTheSourcesOwnPartition() {
    Instant now = Instant.parse("2026-11-26T10:00:00Z");
    SourceSlots slots = slots("orders-db", 3, Duration.ofSeconds(90), Clock.fixed(now, ZoneOffset.UTC));
    slots.tryAcquire("worker-1/m-1/1").orElseThrow();
    SourceSlots.Slot second = slots.tryAcquire("worker-2/m-2/1").orElseThrow();
    second.close();

    Map<String, AttributeValue> item =
        dynamo
            .getItem(b -> b.tableName(settings.runsTable())
                .key(Map.of("pk", AttributeValue.fromS("SLOTS#orders-db"), "sk", AttributeValue.fromS("SLOTS")))
                .consistentRead(true))
            .item();

    assertThat(item.get("leases").m())
        .containsOnlyKeys("worker-1/m-1/1")
        .containsEntry("worker-1/m-1/1", AttributeValue.fromN(Long.toString(now.plusSeconds(90).toEpochMilli())));
    assertThat(item.get("version").n()).isEqualTo("3");
    assertThat(item.get("capacity").n()).isEqualTo("3");
    assertThat(Long.parseLong(item.get("expiresAt").n()))
        .isEqualTo(now.plus(DynamoRunLedger.DEFAULT_RETENTION).getEpochSecond());
  }

  @Test
  void aCapBelowOneOrAnEmptySourceIdIsRefused() {
    assertThatThrownBy(() -> new DynamoSourceSlots(dynamo, "t", "db", 0, Duration.ofMinutes(1)))
        .hasMessageContaining("capacity must be >= 1");
    assertThatThrownBy(() -> new DynamoSourceSlots(dynamo, "t", " ", 1, Duration.ofMinutes(1)))
        .hasMessageContaining("source id");
  }
}
