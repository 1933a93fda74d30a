package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.MessageLoop;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Liveness;
import jakarta.inject.Singleton;
import java.util.Map;
import org.reactivestreams.Publisher;

/**
 * Liveness: the receive loop is running. This, not readiness, is what the ECS container check
 * asks ({@code /health/liveness}): a worker whose dependencies are down pauses and recovers by
 * itself, while one whose loop died holds no work and only a restart helps.
 */
@Singleton
@Liveness
final class ReceiveLoopLiveness implements HealthIndicator {
  private final MessageLoop loop;

  ReceiveLoopLiveness(MessageLoop loop) {
    this.loop = loop;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    HealthStatus status = loop.isReceiving() ? HealthStatus.UP : HealthStatus.DOWN;
    return Publishers.just(
        HealthResult.builder("receive-loop", status).details(Map.of("inFlight", loop.inFlight())).build());
  }
}
