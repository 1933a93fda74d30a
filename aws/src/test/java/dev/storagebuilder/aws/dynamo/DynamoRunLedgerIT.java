package dev.storagebuilder.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.contract.RunLedgerContract;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.ConditionalRunLedger;
import dev.storagebuilder.common.ledger.RunRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The run ledger contract on DynamoDB (dynalite), plus the key layout and TTL stamps. */
class DynamoRunLedgerIT extends RunLedgerContract {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static AwsSettings settings;
  private static DynamoDbClient dynamo;
  private static DynamoRunLedger ledger;

  @BeforeAll
  static void createTables() {
    settings = LocalAws.settings("runs");
    dynamo = LocalAws.clients().dynamo();
    LedgerTables.ensure(dynamo, settings);
    ledger =
        new DynamoRunLedger(
            dynamo, settings.runsTable(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(7));
  }

  @Override
  protected ConditionalRunLedger ledger() {
    return ledger;
  }

  /**
   * A writer that died or failed between its write over a dead-lettered entry and the count of it
   * left the run's counts changed and its reopenings not, and readers kept the old counts: now the
   * run reads as a reopening in flight until the counts agree.
   */
  @Test
  void aReopeningWhoseCountIsLostLeavesTheRunInFlightAndACountedOneDoesNot() {
    RunRecord run = newRun(2);
    ledger.createRun(run);
    String id = run.runId();
    TargetRef counted = new TargetRef("acme", "raw_data");
    TargetRef uncounted = new TargetRef("acme", "entities");
    for (TargetRef target : List.of(counted, uncounted)) {
      ledger.markOutcome(id, deadLettered(target, "worker-1", 2, "poison"));
    }

    assertThat(ledger.markRunning(id, counted, "worker-2")).isTrue();
    assertThat(ledger.run(id).orElseThrow())
        .extracting(RunRecord::reopenings, RunRecord::reopeningInFlight)
        .containsExactly(1L, false);

    try (DynamoDbClient failing = clientFailingEvery("ADD #reopenings :one")) {
      DynamoRunLedger losingCounts =
          new DynamoRunLedger(failing, settings.runsTable(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(7));
      assertThat(losingCounts.markRunning(id, uncounted, "worker-3")).isTrue();
    }

    assertThat(item("RUN#" + id, "acme#entities").get("state").s()).isEqualTo("running");
    assertThat(ledger.run(id).orElseThrow())
        .extracting(RunRecord::reopenings, RunRecord::reopeningInFlight)
        .containsExactly(1L, true);
    assertThat(ledger.status(id).orElseThrow().run().reopeningInFlight()).isTrue();
    assertThat(ledger.recentRuns(10_000).stream().filter(r -> r.runId().equals(id)))
        .singleElement()
        .extracting(RunRecord::reopeningInFlight)
        .isEqualTo(true);
  }

  /** A client on the same table whose UpdateItem calls with this update expression fail. */
  private static DynamoDbClient clientFailingEvery(String updateExpression) {
    ExecutionInterceptor failing =
        new ExecutionInterceptor() {
          @Override
          public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof UpdateItemRequest update
                && updateExpression.equals(update.updateExpression())) {
              throw SdkClientException.create("the writer died before " + updateExpression);
            }
          }
        };
    return DynamoDbClient.builder()
        .region(Region.of(settings.region()))
        .endpointOverride(settings.dynamoEndpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
        .httpClientBuilder(Apache5HttpClient.builder())
        .overrideConfiguration(o -> o.addExecutionInterceptor(failing))
        .build();
  }

  @Test
  void runsAndEntriesUseTheDocumentedKeysAndExpireAfterTheRetention() {
    RunRecord run = newRun(2);
    ledger.createRun(run);
    ledger.markRunning(run.runId(), new TargetRef("acme", "raw_data"), "worker-1");

    Map<String, AttributeValue> runItem = item("RUNS", run.runId());
    Map<String, AttributeValue> entry = item("RUN#" + run.runId(), "acme#raw_data");

    long expected = NOW.plus(Duration.ofDays(7)).getEpochSecond();
    assertThat(runItem.get("expiresAt").n()).isEqualTo(Long.toString(expected));
    assertThat(entry.get("expiresAt").n()).isEqualTo(Long.toString(expected));
    assertThat(entry.get("state").s()).isEqualTo("running");
    assertThat(entry.get("attempts").n()).isEqualTo("1");
    assertThat(entry.get("updatedAt").s()).isEqualTo(NOW.toString());
  }

  @Test
  void aRunItemFromBeforeTheEnqueueMarkReadsAsSentInFull() {
    RunRecord run = newRun(4);
    dynamo.putItem(
        b ->
            b.tableName(settings.runsTable())
                .item(
                    Map.of(
                        "pk", AttributeValue.fromS("RUNS"),
                        "sk", AttributeValue.fromS(run.runId()),
                        "runId", AttributeValue.fromS(run.runId()),
                        "scope", AttributeValue.fromS("all"),
                        "mode", AttributeValue.fromS("incremental"),
                        "requestedBy", AttributeValue.fromS("contract-test"),
                        "requestedAt", AttributeValue.fromS(run.requestedAt().toString()),
                        "totalTargets", AttributeValue.fromN("4"))));

    var status = ledger.status(run.runId()).orElseThrow();

    assertThat(status.run()).isEqualTo(run);
    assertThat(status.run().enqueueing()).isFalse();
    assertThat(status.state(NOW.plus(Duration.ofDays(1)))).isEqualTo(status.state());
    assertThat(status.notSent(NOW.plus(Duration.ofDays(1)))).isZero();
  }

  @Test
  void anEnqueueingRunSaysSoInItsItemUntilMarkedSent() {
    RunRecord run = enqueueing(newRun(2));
    ledger.createRun(run);
    assertThat(item("RUNS", run.runId()).get("enqueueing").bool()).isTrue();

    ledger.markRunSent(run.runId());

    Map<String, AttributeValue> sent = item("RUNS", run.runId());
    assertThat(sent).doesNotContainKey("enqueueing");
    assertThat(sent.get("totalTargets").n()).isEqualTo("2");
  }

  @Test
  void aWorkersMarkIsOneItemInTheWorkersPartitionThatExpiresADayLater() {
    Instant at = NOW.minusSeconds(5);
    ledger.markWorkerAlive("worker-layout", at);

    Map<String, AttributeValue> mark = item("WORKERS", "worker-layout");

    assertThat(mark.get("aliveAt").n()).isEqualTo(Long.toString(at.getEpochSecond()));
    assertThat(mark.get("expiresAt").n()).isEqualTo(Long.toString(at.plus(Duration.ofDays(1)).getEpochSecond()));
  }

  private Map<String, AttributeValue> item(String pk, String sk) {
    return dynamo
        .getItem(
            b ->
                b.tableName(settings.runsTable())
                    .key(Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(sk)))
                    .consistentRead(true))
        .item();
  }
}
