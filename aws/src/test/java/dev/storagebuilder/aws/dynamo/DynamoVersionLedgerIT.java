package dev.storagebuilder.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.contract.VersionLedgerContract;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/** The version ledger contract on DynamoDB (dynalite), plus what the item looks like. */
class DynamoVersionLedgerIT extends VersionLedgerContract {
  private static AwsSettings settings;
  private static DynamoDbClient dynamo;
  private static DynamoVersionLedger ledger;

  @BeforeAll
  static void createTables() {
    settings = LocalAws.settings("versions");
    dynamo = LocalAws.clients().dynamo();
    LedgerTables.ensure(dynamo, settings);
    ledger = new DynamoVersionLedger(dynamo, settings.versionsTable());
  }

  @Override
  protected VersionLedger ledger() {
    return ledger;
  }

  @Override
  protected int historyLimit() {
    return DynamoVersionLedger.HISTORY_LIMIT;
  }

  @Test
  void theItemIsKeyedByTargetAndCarriesExactNumbersAndTheHistoryList() {
    TargetRef target = newTarget();
    ledger.commit(version(target, 1, 9_007_199_254_740_993L, "run-a"), 0);
    ledger.commit(version(target, 2, 9_007_199_254_740_995L, "run-b"), 1);

    Map<String, AttributeValue> item =
        dynamo
            .getItem(
                b ->
                    b.tableName(settings.versionsTable())
                        .key(Map.of("target", AttributeValue.fromS(target.key())))
                        .consistentRead(true))
            .item();

    assertThat(item.get("sequence").n()).isEqualTo("2");
    assertThat(item.get("watermark").n()).isEqualTo("9007199254740995");
    assertThat(item.get("runId").s()).isEqualTo("run-b");
    assertThat(item.get("committedAt").s()).startsWith("2026-01-01T00:02:");
    assertThat(item.get("history").l())
        .extracting(entry -> entry.m().get("runId").s())
        .containsExactly("run-b", "run-a");
  }

  @Test
  void aCommitPlannedOnAReadThatAnotherWorkerOvertookLosesAndTheNextReadCommitsWithTheWholeHistory() {
    TargetRef target = newTarget();
    DynamoVersionLedger other = new DynamoVersionLedger(dynamo, settings.versionsTable());
    ledger.commit(version(target, 1, 10, "run-a"), 0);
    assertThat(ledger.current(target)).hasValueSatisfying(v -> assertThat(v.sequence()).isEqualTo(1));
    other.commit(version(target, 2, 20, "run-b"), 1);

    assertThat(ledger.commit(version(target, 2, 21, "run-stale"), 1)).as("planned on sequence 1").isFalse();

    assertThat(ledger.current(target)).hasValueSatisfying(v -> assertThat(v.sequence()).isEqualTo(2));
    assertThat(ledger.commit(version(target, 3, 30, "run-c"), 2)).isTrue();
    assertThat(ledger.history(target)).extracting(v -> v.runId()).containsExactly("run-c", "run-b", "run-a");
  }

  @Test
  void aCommitWhoseResponseWasLostIsReportedCommittedWhenTheSdksRetryFindsItStored() {
    TargetRef target = newTarget();
    ledger.commit(version(target, 1, 10, "run-a"), 0);
    TargetVersion second = version(target, 2, 20, "run-b");
    AtomicInteger puts = new AtomicInteger();

    boolean committed;
    try (DynamoDbClient losingFirstResponse = clientAnswering500ToTheFirstPut(puts, () -> {})) {
      committed = new DynamoVersionLedger(losingFirstResponse, settings.versionsTable()).commit(second, 1);
    }

    assertThat(puts).as("the first attempt and the SDK's retry, which failed its condition").hasValue(2);
    assertThat(committed).isTrue();
    assertThat(ledger.current(target)).contains(second);
  }

  @Test
  void aCommitWhoseResponseWasLostIsReportedCommittedEvenWhenAnotherCommitFollowedItBeforeTheRetry() {
    TargetRef target = newTarget();
    ledger.commit(version(target, 1, 10, "run-a"), 0);
    TargetVersion second = version(target, 2, 20, "run-b");
    TargetVersion third = version(target, 3, 30, "run-c");
    AtomicInteger puts = new AtomicInteger();

    boolean committed;
    try (DynamoDbClient losingFirstResponse =
        clientAnswering500ToTheFirstPut(puts, () -> assertThat(ledger.commit(third, 2)).isTrue())) {
      committed = new DynamoVersionLedger(losingFirstResponse, settings.versionsTable()).commit(second, 1);
    }

    assertThat(committed).as("its version is in the history the next commit kept").isTrue();
    assertThat(ledger.history(target)).containsExactly(third, second, version(target, 1, 10, "run-a"));
  }

  /**
   * A client whose first PutItem is applied by DynamoDB but answered with a 500 (as a lost response
   * looks to the caller), so that the SDK's STANDARD retry sends it again; {@code
   * beforeTheRetry} runs in between.
   */
  private static DynamoDbClient clientAnswering500ToTheFirstPut(AtomicInteger puts, Runnable beforeTheRetry) {
    ExecutionInterceptor loseFirstResponse =
        new ExecutionInterceptor() {
          @Override
          public SdkHttpResponse modifyHttpResponse(
              Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            if (context.request() instanceof PutItemRequest && puts.incrementAndGet() == 1) {
              beforeTheRetry.run();
              return context.httpResponse().toBuilder().statusCode(500).build();
            }
            return context.httpResponse();
          }
        };
    return DynamoDbClient.builder()
        .region(Region.of(settings.region()))
        .endpointOverride(settings.dynamoEndpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
        .httpClientBuilder(Apache5HttpClient.builder())
        .overrideConfiguration(
            o -> o.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(loseFirstResponse))
        .build();
  }

  @Test
  void aCommitMustAdvanceTheSequenceByExactlyOne() {
    TargetRef target = newTarget();

    assertThatThrownBy(() -> ledger.commit(version(target, 3, 1, "run-a"), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sequence must be expectedSequence + 1");
    assertThat(ledger.current(target)).isEmpty();
  }

  @Test
  void ensuringTheTablesAgainChangesNothing() {
    TargetRef target = newTarget();
    ledger.commit(version(target, 1, 1, "run-a"), 0);

    LedgerTables.ensure(dynamo, settings);

    assertThat(ledger.current(target)).isPresent();
  }
}
