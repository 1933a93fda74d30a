package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.worker.port.Backpressure;
import dev.storagebuilder.worker.port.FailureClassifier;
import dev.storagebuilder.worker.port.ChangeRead;
import dev.storagebuilder.worker.port.RowSource;
import dev.storagebuilder.worker.port.SourceRead;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source database behind a retry (exponential backoff with jitter) and a circuit breaker.
 * Only failures the classifier calls retryable (connection, timeout, deadlock) count against the
 * breaker; a schema mismatch is the target's problem, not the database's. It is also the loop's
 * {@link Backpressure}: while the breaker is open the worker takes no work, and every poll past
 * the open wait runs one probe ({@link RowSource#checkAvailable()}) that closes it again.
 *
 * <p>This is the only retry around source reads: a whole target is retried by SQS redelivery.
 */
public final class ResilientRowSource implements RowSource, Backpressure {
  private static final Logger log = LoggerFactory.getLogger(ResilientRowSource.class);

  private final RowSource delegate;
  private final CircuitBreakerRegistry breakers;
  private final RetryRegistry retries;
  private final CircuitBreaker breaker;
  private final Retry retry;
  private final SourceResilienceSettings settings;

  public ResilientRowSource(
      RowSource delegate, SourceResilienceSettings settings, FailureClassifier classifier, RandomGenerator random) {
    this.delegate = delegate;
    this.settings = settings;
    this.breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(settings.breakerMinimumCalls())
                .failureRateThreshold(settings.breakerFailureRate())
                .waitDurationInOpenState(settings.breakerOpenWait())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(error -> classifier.classify(error).retryable())
                .ignoreException(error -> !classifier.classify(error).retryable())
                .build());
    this.breaker = breakers.circuitBreaker("source");
    this.retries =
        RetryRegistry.of(
            RetryConfig.custom()
                .maxAttempts(settings.retryAttempts())
                .intervalFunction(
                    (IntervalFunction) attempt -> settings.backoff(attempt, random.nextDouble()).toMillis())
                .retryOnException(
                    error -> !(error instanceof CallNotPermittedException) && classifier.classify(error).retryable())
                .build());
    this.retry = retries.retry("source");
    breaker.getEventPublisher()
        .onStateTransition(event -> log.warn("source circuit breaker {}", event.getStateTransition()));
    retry.getEventPublisher()
        .onRetry(event -> log.info("source read retry {} in {} ms: {}", event.getNumberOfRetryAttempts(),
            event.getWaitInterval().toMillis(), String.valueOf(event.getLastThrowable())));
  }

  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /** The registries holding the breaker and the retry, for metrics binding. */
  public CircuitBreakerRegistry circuitBreakers() {
    return breakers;
  }

  public RetryRegistry retries() {
    return retries;
  }

  /**
   * Only a failure counts against the breaker: the answer mostly comes from the delegate's cache of
   * clients, without a round trip, and counted as successes those answers diluted the failure rate
   * of the reads during an outage (one success per failed read: with no retry and a failure rate
   * above 50 % the breaker never opened, and every target spent its deliveries until the DLQ).
   */
  @Override
  public boolean clientExists(String clientId) throws SQLException {
    return guarded(failuresOnly(() -> delegate.clientExists(clientId)));
  }

  private <T> CheckedSupplier<T> failuresOnly(CheckedSupplier<T> read) {
    return () -> {
      breaker.acquirePermission();
      long start = breaker.getCurrentTimestamp();
      T result;
      try {
        result = read.get();
      } catch (Throwable e) {
        breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
        throw e;
      }
      breaker.releasePermission();
      return result;
    };
  }

  @Override
  public SourceRead readAll(TargetDeclaration target, String clientId) throws SQLException {
    return call(() -> delegate.readAll(target, clientId));
  }

  @Override
  public ChangeRead readChanges(TargetDeclaration target, String clientId, long watermark) throws SQLException {
    return call(() -> delegate.readChanges(target, clientId, watermark));
  }

  @Override
  public void checkAvailable() throws SQLException {
    delegate.checkAvailable();
  }

  private <T> T call(CheckedSupplier<T> read) throws SQLException {
    return guarded(CircuitBreaker.decorateCheckedSupplier(breaker, read));
  }

  /** {@code read} already passes the breaker; retried here. */
  private <T> T guarded(CheckedSupplier<T> read) throws SQLException {
    try {
      return Retry.decorateCheckedSupplier(retry, read).get();
    } catch (CallNotPermittedException e) {
      // Retryable by SQLSTATE class 08, so the classifier and the processor treat it as an outage.
      throw new SQLTransientConnectionException("source circuit breaker is open", "08001", e);
    } catch (SQLException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new SQLException(e);
    }
  }

  @Override
  public boolean paused() {
    if (breaker.getState() == CircuitBreaker.State.CLOSED) {
      return false;
    }
    try {
      // Permitted only once the open wait has passed (the breaker turns half-open for it).
      breaker.executeCheckedSupplier(
          () -> {
            delegate.checkAvailable();
            return null;
          });
    } catch (CallNotPermittedException e) {
      return true;
    } catch (Throwable e) {
      log.debug("source probe failed: {}", e.toString());
    }
    return breaker.getState() != CircuitBreaker.State.CLOSED;
  }

  @Override
  public String reason() {
    return "source circuit breaker " + breaker.getState();
  }

  @Override
  public Duration retryAfter() {
    return settings.breakerOpenWait();
  }
}
