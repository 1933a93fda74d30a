package dev.storagebuilder.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResilientRowSourceTest {
  private static final SourceResilienceSettings SETTINGS =
      new SourceResilienceSettings(3, Duration.ofMillis(10), 2.0, 0.5, 50, 4, 4, Duration.ofMillis(300),
          Duration.ofSeconds(1), SourceResilienceSettings.DEFAULT_READ_TIMEOUT);

  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final AtomicBoolean down = new AtomicBoolean();
  private SQLException failure = new SQLTransientConnectionException("connection refused", "08001");

  private final RowSource fake =
      new RowSource() {
        @Override
        public boolean clientExists(String clientId) throws SQLException {
          calls.incrementAndGet();
          if (down.get() || failuresLeft.getAndDecrement() > 0) {
            throw failure;
          }
          return true;
        }

        @Override
        public SourceRead readAll(TargetDeclaration target, String clientId) {
          throw new UnsupportedOperationException("these tests drive clientExists and the probe only");
        }

        @Override
        public void checkAvailable() throws SQLException {
          if (down.get()) {
            throw failure;
          }
        }
      };

  private final ResilientRowSource source =
      new ResilientRowSource(fake, SETTINGS, new DefaultFailureClassifier(), new SplittableRandom(1));

  @Test
  void backoffGrowsExponentiallyWithinTheJitterBand() {
    assertThat(SETTINGS.backoff(1, 0.0)).isEqualTo(Duration.ofMillis(5));
    assertThat(SETTINGS.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(10));
    assertThat(SETTINGS.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(20));
    assertThat(SETTINGS.backoff(3, 0.999)).isEqualTo(Duration.ofMillis(60));
  }

  @Test
  void aTransientFailureIsRetriedAndTheReadSucceeds() throws Exception {
    failuresLeft.set(2);

    assertThat(source.clientExists("acme")).isTrue();

    assertThat(calls).hasValue(3);
    assertThat(source.paused()).isFalse();
  }

  @Test
  void aPermanentFailureIsNeitherRetriedNorCountedAgainstTheDatabase() {
    failure = new SQLSyntaxErrorException("no such column", "42703");
    down.set(true);

    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> source.clientExists("acme")).isInstanceOf(SQLSyntaxErrorException.class);
    }

    assertThat(calls).hasValue(6);
    assertThat(source.circuitBreaker().getState().name()).isEqualTo("CLOSED");
  }

  @Test
  void clientChecksAnsweredFromACacheDoNotKeepTheBreakerClosedThroughAnOutage() {
    // No retry of its own (SQS redelivers) and a breaker opening at 60 % of failed reads.
    SourceResilienceSettings settings =
        new SourceResilienceSettings(1, Duration.ofMillis(10), 2.0, 0.5, 60, 10, 4, Duration.ofSeconds(30),
            Duration.ofSeconds(1), SourceResilienceSettings.DEFAULT_READ_TIMEOUT);
    AtomicInteger reads = new AtomicInteger();
    RowSource down =
        new RowSource() {
          @Override
          public boolean clientExists(String clientId) {
            return true; // the clients read before the outage, still cached: no round trip
          }

          @Override
          public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
            reads.incrementAndGet();
            throw new SQLTransientConnectionException("connection refused", "08001");
          }
        };
    ResilientRowSource outage =
        new ResilientRowSource(down, settings, new DefaultFailureClassifier(), new SplittableRandom(1));

    // Each target checks its client, then fails to open its read.
    for (int target = 0; target < 6 && !outage.paused(); target++) {
      assertThat((Throwable) catchSqlException(() -> outage.clientExists("acme"))).isNull();
      assertThat((Throwable) catchSqlException(() -> outage.readAll(null, "acme"))).isNotNull();
    }

    assertThat(outage.circuitBreaker().getState().name()).as("every read failed").isEqualTo("OPEN");
    assertThat(outage.paused()).isTrue();
    assertThat(reads).as("the breaker opened at the minimum number of failed reads").hasValue(4);
  }

  private interface SqlCall {
    void run() throws SQLException;
  }

  private static SQLException catchSqlException(SqlCall call) {
    try {
      call.run();
      return null;
    } catch (SQLException e) {
      return e;
    }
  }

  @Test
  void anOutageOpensTheBreakerWhichFailsFastPausesAndClosesAfterASuccessfulProbe() {
    down.set(true);
    assertThatThrownBy(() -> source.clientExists("acme")).isInstanceOf(SQLTransientConnectionException.class);
    assertThatThrownBy(() -> source.clientExists("acme")).isInstanceOf(SQLTransientConnectionException.class);
    int callsWhenOpened = calls.get();

    assertThat(source.circuitBreaker().getState().name()).isEqualTo("OPEN");
    assertThat(source.paused()).isTrue();
    assertThatThrownBy(() -> source.clientExists("acme"))
        .isInstanceOf(SQLTransientConnectionException.class)
        .hasMessageContaining("circuit breaker is open")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
    assertThat(calls).as("fails fast, the database is not called").hasValue(callsWhenOpened);

    await().pollDelay(Duration.ofMillis(350)).atMost(Duration.ofSeconds(2)).until(() -> source.paused());
    assertThat(source.circuitBreaker().getState().name()).as("failed probe reopens").isEqualTo("OPEN");

    down.set(false);
    await().atMost(Duration.ofSeconds(2)).until(() -> !source.paused());
    assertThat(source.circuitBreaker().getState().name()).isEqualTo("CLOSED");
  }
}
