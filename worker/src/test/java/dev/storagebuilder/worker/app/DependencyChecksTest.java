package dev.storagebuilder.worker.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DependencyChecksTest {
  private static final List<String> DEPENDENCIES = List.of("sqs", "s3", "dynamodb", "source");

  /** Released at the end so no check thread outlives the test. */
  private final CountDownLatch hungAnswer = new CountDownLatch(1);
  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();

  @AfterEach
  void release() {
    hungAnswer.countDown();
  }

  /** Checks that answer at once, but those named, which hang until {@link #hungAnswer}; nothing cached. */
  private DependencyChecks checks(Duration timeout, Set<String> hanging) {
    Map<String, Callable<String>> calls = new LinkedHashMap<>();
    for (String dependency : DEPENDENCIES) {
      calls.put(dependency, () -> {
        started.computeIfAbsent(dependency, d -> new AtomicInteger()).incrementAndGet();
        if (hanging.contains(dependency)) {
          // An SDK call in its retries, a socket that does not answer (CompletableFuture.cancel does
          // not interrupt the thread running it).
          hungAnswer.await();
        }
        return dependency + " answered";
      });
    }
    return new DependencyChecks(calls, Map.of(), Clock.systemUTC(), timeout, Duration.ZERO);
  }

  private int started(String dependency) {
    return started.getOrDefault(dependency, new AtomicInteger()).get();
  }

  /**
   * The hung check's thread stayed busy and every answer started another beside it: from the
   * fourth answer on every thread of the pool waited on SQS, and S3, DynamoDB and the source, all
   * answering at once, were reported DOWN ("no answer within 0 s") behind them.
   */
  @Test
  void aCheckThatHangsIsNotStartedAgainAndDoesNotHoldBackTheOthers() {
    DependencyChecks checks = checks(Duration.ofMillis(200), Set.of("sqs"));

    for (int probe = 1; probe <= 8; probe++) {
      Health health = checks.result();

      assertThat(health.up()).isFalse();
      assertThat(health.details().get("sqs")).as("probe %d", probe).asString().startsWith("DOWN: no answer");
      assertThat(health.details()).as("probe %d", probe)
          .containsEntry("s3", "UP: s3 answered")
          .containsEntry("dynamodb", "UP: dynamodb answered")
          .containsEntry("source", "UP: source answered");
    }
    assertThat(started("sqs")).as("one SQS check at a time, the hung one").isEqualTo(1);
    assertThat(started("s3")).as("the others checked afresh each time").isEqualTo(8);
  }

  /** Each check had a timeout of its own, waited one after the other: four hung checks took 4 x 2 s. */
  @Test
  void theAnswerComesWithinTheTimeoutWhenEveryCheckHangs() {
    DependencyChecks checks = checks(Duration.ofMillis(500), Set.copyOf(DEPENDENCIES));

    long asked = System.nanoTime();
    Health health = checks.result();
    long tookMillis = (System.nanoTime() - asked) / 1_000_000;

    assertThat(health.up()).isFalse();
    assertThat(health.details().values()).allSatisfy(outcome -> assertThat(outcome).asString().startsWith("DOWN"));
    assertThat(tookMillis).as("one timeout for the answer, not one per check").isLessThan(1_500);
  }

  @Test
  void aHungCheckThatAnswersAtLastIsUpAndTheNextProbeChecksAfresh() throws Exception {
    DependencyChecks checks = checks(Duration.ofMillis(200), Set.of("sqs"));
    assertThat(checks.result().details().get("sqs")).asString().startsWith("DOWN: no answer");

    hungAnswer.countDown();

    assertThat(checks.result().details()).containsEntry("sqs", "UP: sqs answered");
    assertThat(checks.result().up()).isTrue();
    assertThat(started("sqs")).as("a fresh check once the hung one ended").isGreaterThanOrEqualTo(2);
  }
}
