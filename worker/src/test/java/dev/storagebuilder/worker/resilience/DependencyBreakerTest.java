package dev.storagebuilder.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.storage.FailedDelete;
import dev.storagebuilder.common.storage.ObjectOutput;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.common.storage.RandomAccessObject;
import dev.storagebuilder.common.testing.InMemoryObjectStore;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The S3 and DynamoDB breakers through their port decorators, with fake ports and real SDK exceptions. */
class DependencyBreakerTest {
  /** Long enough that a loaded machine cannot see a breaker turn half-open mid-test. */
  private static final Duration OPEN_WAIT = Duration.ofMinutes(1);
  private static final Duration SHORT_OPEN_WAIT = Duration.ofMillis(300);
  private static final TargetRef ACME = new TargetRef("acme", "items");

  /** What the fake dependency does to the next calls: null answers normally. */
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final AtomicReference<RuntimeException> probeFailure = new AtomicReference<>();
  private final AtomicInteger calls = new AtomicInteger();

  private final DependencyBreaker dynamodb = breaker("dynamodb", OPEN_WAIT);
  private final DependencyBreaker s3 = breaker("s3", OPEN_WAIT);
  private final InMemoryVersionLedger ledger = new InMemoryVersionLedger();
  private final VersionLedger versions = new ResilientVersionLedger(new FlakyLedger(), dynamodb);
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final ObjectStore store = new ResilientObjectStore(new FlakyStore(), s3);

  private DependencyBreaker breaker(String name, Duration openWait) {
    return new DependencyBreaker(
        new BreakerSettings(name, 50, 4, 4, openWait),
        AwsErrors::isTransient,
        () -> {
          RuntimeException e = probeFailure.get();
          if (e != null) {
            throw e;
          }
        });
  }

  @Test
  void throttlingAfterTheSdkRetriesOpensTheBreakerWhichThenFailsFastWithARetryableError() {
    failure.set(dynamo(400, "ThrottlingException"));
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> versions.current(ACME)).isInstanceOf(DynamoDbException.class);
    }
    assertThat(dynamodb.circuitBreaker().getState()).isEqualTo(State.OPEN);
    assertThat(dynamodb.paused()).isTrue();
    assertThat(dynamodb.reason()).isEqualTo("dynamodb circuit breaker OPEN");
    int callsWhenOpened = calls.get();

    assertThatThrownBy(() -> versions.commit(version(1), 0))
        .isInstanceOf(CallNotPermittedException.class)
        .satisfies(e -> assertThat(new DefaultFailureClassifier().classify(e).retryable()).isTrue())
        .satisfies(e -> assertThat(new DefaultFailureClassifier().classify(e).reasonCode())
            .isEqualTo("dependency-unavailable"));
    assertThat(calls).as("fails fast: DynamoDB is not called").hasValue(callsWhenOpened);
    assertThat(s3.paused()).as("one breaker per dependency").isFalse();
  }

  @Test
  void lostConditionalCommitsAndRejectedRequestsAreNotFailuresOfDynamoDb() {
    assertThat(versions.commit(version(1), 0)).isTrue();
    for (int i = 0; i < 6; i++) {
      assertThat(versions.commit(version(1), 0)).as("lost the fenced commit").isFalse();
    }
    failure.set(ConditionalCheckFailedException.builder().statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ConditionalCheckFailedException").build()).build());
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> versions.commit(version(2), 1)).isInstanceOf(ConditionalCheckFailedException.class);
    }
    failure.set(dynamo(400, "ValidationException"));
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> versions.current(ACME)).isInstanceOf(DynamoDbException.class);
    }

    assertThat(dynamodb.circuitBreaker().getState()).isEqualTo(State.CLOSED);
    assertThat(dynamodb.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
    assertThat(dynamodb.paused()).isFalse();
  }

  @Test
  void anAbsentObjectIsNotAFailureOfS3ButA503Is() throws Exception {
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> store.get("missing")).isInstanceOf(NoSuchFileException.class);
    }
    assertThat(s3.circuitBreaker().getState()).isEqualTo(State.CLOSED);

    failure.set(S3Exception.builder().statusCode(503)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown").build()).build());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> store.put("manifest.json", new byte[1], "application/json"))
          .isInstanceOf(S3Exception.class);
    }
    assertThat(s3.circuitBreaker().getState()).isEqualTo(State.OPEN);
    assertThatThrownBy(() -> store.create("base.parquet")).isInstanceOf(CallNotPermittedException.class);
    assertThat(objects.openUploads()).as("no upload started while open").isZero();
  }

  @Test
  void aStreamingUploadIsOneCallSettledByItsCloseOrItsFirstFailure() throws Exception {
    try (ObjectOutput out = store.create("ok.parquet")) {
      for (int i = 0; i < 100; i++) {
        out.write("row".getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(s3.circuitBreaker().getMetrics().getNumberOfSuccessfulCalls()).as("100 writes, one upload").isEqualTo(1);
    assertThat(objects.bytes("ok.parquet")).hasSize(300);

    ObjectOutput abandoned = store.create("abandoned.parquet");
    abandoned.write(1);
    abandoned.abort();
    assertThat(s3.circuitBreaker().getMetrics().getNumberOfBufferedCalls()).as("an abort is no outcome").isEqualTo(1);

    ObjectOutput failing = store.create("failing.parquet");
    failure.set(S3Exception.builder().statusCode(500).build());
    assertThatThrownBy(() -> failing.write(1)).isInstanceOf(S3Exception.class);
    assertThatThrownBy(failing::close).isInstanceOf(S3Exception.class);
    failing.abort();
    assertThat(s3.circuitBreaker().getMetrics().getNumberOfFailedCalls()).as("counted once").isEqualTo(1);
  }

  @Test
  void afterTheOpenWaitAProbeClosesTheBreakerOrReopensIt() {
    DependencyBreaker dynamodb = breaker("dynamodb", SHORT_OPEN_WAIT);
    VersionLedger versions = new ResilientVersionLedger(new FlakyLedger(), dynamodb);
    failure.set(dynamo(500, "InternalServerError"));
    probeFailure.set(dynamo(400, "ProvisionedThroughputExceededException"));
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> versions.all()).isInstanceOf(DynamoDbException.class);
    }
    assertThat(dynamodb.paused()).isTrue();

    await().pollDelay(Duration.ofMillis(350)).atMost(Duration.ofSeconds(2)).until(dynamodb::paused);
    assertThat(dynamodb.circuitBreaker().getState()).as("the failed probe reopened it").isEqualTo(State.OPEN);

    failure.set(null);
    probeFailure.set(null);
    await().atMost(Duration.ofSeconds(2)).until(() -> !dynamodb.paused());
    assertThat(dynamodb.circuitBreaker().getState()).isEqualTo(State.CLOSED);
    assertThat(versions.current(ACME)).isEmpty();
  }

  @Test
  void aProbeTheServiceAnswersWithARefusalStillClosesTheBreaker() {
    DependencyBreaker dynamodb = breaker("dynamodb", SHORT_OPEN_WAIT);
    VersionLedger versions = new ResilientVersionLedger(new FlakyLedger(), dynamodb);
    failure.set(dynamo(503, "ServiceUnavailable"));
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> versions.current(ACME)).isInstanceOf(DynamoDbException.class);
    }
    // Access denied is the service answering: pausing on it forever would hide the misconfiguration.
    probeFailure.set(dynamo(400, "AccessDeniedException"));

    await().pollDelay(Duration.ofMillis(350)).atMost(Duration.ofSeconds(2)).until(() -> !dynamodb.paused());
    assertThat(dynamodb.circuitBreaker().getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void theCompositeIsPausedWhileAnyDependencyIsAndNamesIt() {
    Backpressure source = fixed(false, "source circuit breaker CLOSED", Duration.ofSeconds(15));
    CompositeBackpressure all = new CompositeBackpressure(List.of(source, s3, dynamodb));
    assertThat(all.paused()).isFalse();

    failure.set(S3Exception.builder().statusCode(503).build());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> store.delete("x")).isInstanceOf(S3Exception.class);
    }
    assertThat(all.paused()).isTrue();
    assertThat(all.reason()).isEqualTo("s3 circuit breaker OPEN");
    assertThat(all.retryAfter()).isEqualTo(OPEN_WAIT);

    CompositeBackpressure withSlowSource =
        new CompositeBackpressure(List.of(fixed(true, "source circuit breaker OPEN", Duration.ofMinutes(2)), s3));
    assertThat(withSlowSource.paused()).isTrue();
    assertThat(withSlowSource.reason()).isEqualTo("source circuit breaker OPEN, s3 circuit breaker OPEN");
    assertThat(withSlowSource.retryAfter()).as("the longest wait").isEqualTo(Duration.ofMinutes(2));

    assertThat(s3.circuitBreaker().getState()).isEqualTo(State.OPEN);
  }

  @Test
  void settingsAreValidatedWithTheSettingsName() {
    assertThatThrownBy(() -> new BreakerSettings("s3", 50, 4, 5, OPEN_WAIT))
        .hasMessageContaining("worker.s3-breaker-minimum-calls must be 1..worker.s3-breaker-window, got 5 / 4");
    assertThatThrownBy(() -> new BreakerSettings("dynamodb", 0, 4, 4, OPEN_WAIT))
        .hasMessageContaining("worker.dynamodb-breaker-failure-rate must be 1..100, got 0");
    assertThatThrownBy(() -> new BreakerSettings("s3", 50, 4, 4, Duration.ofMillis(10)))
        .hasMessageContaining("worker.s3-breaker-open-wait must be 100ms..10m");
  }

  private static AwsServiceException dynamo(int status, String code) {
    return DynamoDbException.builder().statusCode(status).message(code)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  private static TargetVersion version(long sequence) {
    return new TargetVersion(ACME, sequence, 0, "snapshots/m" + sequence + ".json", 1, "0000000000000000", 0, "run",
        Instant.parse("2026-01-01T00:00:00Z"));
  }

  private static Backpressure fixed(boolean paused, String reason, Duration retryAfter) {
    return new Backpressure() {
      @Override
      public boolean paused() {
        return paused;
      }

      @Override
      public String reason() {
        return reason;
      }

      @Override
      public Duration retryAfter() {
        return retryAfter;
      }
    };
  }

  private void maybeFail() {
    calls.incrementAndGet();
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  private final class FlakyLedger implements VersionLedger {
    @Override
    public Optional<TargetVersion> current(TargetRef target) {
      maybeFail();
      return ledger.current(target);
    }

    @Override
    public boolean commit(TargetVersion next, long expectedSequence) {
      maybeFail();
      return ledger.commit(next, expectedSequence);
    }

    @Override
    public List<TargetVersion> history(TargetRef target) {
      maybeFail();
      return ledger.history(target);
    }

    @Override
    public List<TargetVersion> all() {
      maybeFail();
      return ledger.all();
    }
  }

  private final class FlakyStore implements ObjectStore {
    @Override
    public ObjectOutput create(String key) {
      maybeFail();
      ObjectOutput upload = objects.create(key);
      return new ObjectOutput() {
        @Override
        public long position() {
          return upload.position();
        }

        @Override
        public void write(int b) throws IOException {
          maybeFail();
          upload.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          maybeFail();
          upload.write(bytes, offset, length);
        }

        @Override
        public void abort() {
          upload.abort();
        }

        @Override
        public void close() throws IOException {
          maybeFail();
          upload.close();
        }
      };
    }

    @Override
    public void put(String key, byte[] content, String contentType) throws IOException {
      maybeFail();
      objects.put(key, content, contentType);
    }

    @Override
    public byte[] get(String key) throws IOException {
      maybeFail();
      return objects.get(key);
    }

    @Override
    public RandomAccessObject open(String key) throws IOException {
      maybeFail();
      return objects.open(key);
    }

    @Override
    public List<String> list(String prefix) {
      maybeFail();
      return objects.list(prefix);
    }

    @Override
    public List<dev.storagebuilder.common.storage.ListedObject> listObjects(String prefix) {
      maybeFail();
      return objects.listObjects(prefix);
    }

    @Override
    public void delete(String key) {
      maybeFail();
      objects.delete(key);
    }

    @Override
    public List<FailedDelete> deleteAll(Collection<String> keys) {
      maybeFail();
      return objects.deleteAll(keys);
    }
  }
}
