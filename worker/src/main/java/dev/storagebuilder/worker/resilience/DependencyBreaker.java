package dev.storagebuilder.worker.resilience;

import dev.storagebuilder.worker.port.Backpressure;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one dependency the worker calls through the SDK (S3, DynamoDB), shared by
 * the port decorators in front of it ({@link ResilientObjectStore}, {@link ResilientVersionLedger},
 * {@link ResilientRunLedger}). No retry here: the SDK has already retried each call (STYLE.md: one
 * retry layer per concern), so the breaker sees a call's final outcome.
 *
 * <p>Only {@code isOutage} failures count (for AWS: {@code AwsErrors.isTransient}: 5xx, throttling,
 * timeouts, connection failures). A lost conditional write, an absent object or a rejected request
 * is an answer from a healthy service and leaves the breaker alone. While open, calls fail fast
 * with {@link CallNotPermittedException}, which the classifier calls retryable.
 *
 * <p>As {@link Backpressure} it behaves like the source's: while the breaker is not closed the loop
 * takes no work, and every poll past the open wait runs one {@code probe} call (half-open) whose
 * success closes it. A probe rather than "let the next real call through": a paused loop makes no
 * real calls, and a target admitted in half-open would spend a delivery if it failed. The probe is
 * a cheap read on the path real work takes (a LIST under the snapshot prefix, a GetItem on the
 * versions table), so it sees the throttling or outage the work would see; any answer that is not
 * an outage (a 403, a 404) counts as success: the service is up, and a misconfiguration must fail
 * targets visibly rather than pause the worker forever.
 */
public final class DependencyBreaker implements Backpressure {
  private static final Logger log = LoggerFactory.getLogger(DependencyBreaker.class);

  /** A call to the dependency; {@code E} is what the port declares ({@code IOException} for storage). */
  @FunctionalInterface
  public interface Call<T, E extends Exception> {
    T run() throws E;
  }

  /** A cheap request that succeeds when the dependency answers normally. */
  @FunctionalInterface
  public interface Probe {
    void check() throws Exception;
  }

  private final BreakerSettings settings;
  private final CircuitBreakerRegistry registry;
  private final CircuitBreaker breaker;
  private final Predicate<Throwable> isOutage;
  private final Probe probe;

  public DependencyBreaker(BreakerSettings settings, Predicate<Throwable> isOutage, Probe probe) {
    this.settings = settings;
    this.isOutage = isOutage;
    this.probe = probe;
    this.registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRate())
                .waitDurationInOpenState(settings.openWait())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(this::countsAsOutage)
                .ignoreException(error -> !countsAsOutage(error))
                .build());
    this.breaker = registry.circuitBreaker(settings.dependency());
    breaker.getEventPublisher()
        .onStateTransition(
            event -> log.warn("{} circuit breaker {}", settings.dependency(), event.getStateTransition()));
  }

  public String dependency() {
    return settings.dependency();
  }

  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /** The registry holding the breaker, for metrics binding. */
  public CircuitBreakerRegistry circuitBreakers() {
    return registry;
  }

  /** Runs {@code call} through the breaker; fails fast with {@link CallNotPermittedException} while open. */
  public <T, E extends Exception> T call(Call<T, E> call) throws E {
    Pending pending = begin();
    try {
      T result = call.run();
      pending.succeeded();
      return result;
    } catch (Throwable e) {
      pending.failed(e);
      throw e;
    }
  }

  /**
   * Starts a call whose outcome comes later (a streaming upload spans many writes and one close):
   * permitted or refused now, settled once by {@link Pending#succeeded()}, {@link
   * Pending#failed(Throwable)} or {@link Pending#abandoned()}.
   */
  public Pending begin() {
    breaker.acquirePermission();
    return new Pending(breaker.getCurrentTimestamp());
  }

  /** A permitted call not yet settled; settling twice is a no-op. */
  public final class Pending {
    private final long started;
    private final AtomicBoolean settled = new AtomicBoolean();

    private Pending(long started) {
      this.started = started;
    }

    public void succeeded() {
      if (settled.compareAndSet(false, true)) {
        breaker.onSuccess(elapsed(), breaker.getTimestampUnit());
      }
    }

    public void failed(Throwable error) {
      if (settled.compareAndSet(false, true)) {
        breaker.onError(elapsed(), breaker.getTimestampUnit(), error);
      }
    }

    /** Given up without an outcome of the dependency's making (the target failed elsewhere). */
    public void abandoned() {
      if (settled.compareAndSet(false, true)) {
        breaker.releasePermission();
      }
    }

    private long elapsed() {
      return breaker.getCurrentTimestamp() - started;
    }
  }

  private boolean countsAsOutage(Throwable error) {
    // Another breaker's refusal (or our own) says nothing about this dependency.
    return !(error instanceof CallNotPermittedException) && isOutage.test(error);
  }

  @Override
  public boolean paused() {
    if (breaker.getState() == CircuitBreaker.State.CLOSED) {
      return false;
    }
    try {
      // Permitted only once the open wait has passed (the breaker turns half-open for it).
      call(
          () -> {
            try {
              probe.check();
            } catch (Exception e) {
              if (countsAsOutage(e)) {
                throw e;
              }
            }
            return null;
          });
    } catch (CallNotPermittedException e) {
      return true;
    } catch (Exception e) {
      log.debug("{} probe failed: {}", settings.dependency(), e.toString());
    }
    return breaker.getState() != CircuitBreaker.State.CLOSED;
  }

  @Override
  public String reason() {
    return settings.dependency() + " circuit breaker " + breaker.getState();
  }

  @Override
  public Duration retryAfter() {
    return settings.openWait();
  }
}
