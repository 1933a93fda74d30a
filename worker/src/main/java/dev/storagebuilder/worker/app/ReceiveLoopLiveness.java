package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.MessageLoop;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Liveness: the receive loop is running. This, not readiness, is what the ECS container check
 * asks ({@code /health/liveness}): a worker whose dependencies are down pauses and recovers by
 * itself, while one whose loop died holds no work and only a restart helps.
 */
@Singleton
final class ReceiveLoopLiveness {
  private final MessageLoop loop;

  ReceiveLoopLiveness(MessageLoop loop) {
    this.loop = loop;
  }

  Health result() {
    return new Health("receive-loop", loop.isReceiving(), Map.of("inFlight", loop.inFlight()));
  }
}
