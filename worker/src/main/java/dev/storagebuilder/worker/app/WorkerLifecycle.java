package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.MessageLoop;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts receiving once the health endpoint is up, and drains on shutdown (SIGTERM included). */
@Singleton
final class WorkerLifecycle implements ApplicationEventListener<StartupEvent> {
  private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);
  private final MessageLoop loop;
  private final ObservabilityServer server;

  WorkerLifecycle(MessageLoop loop, ObservabilityServer server) {
    this.loop = loop;
    this.server = server;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    server.start();
    loop.start();
    log.info("worker receiving");
  }

  @PreDestroy
  void stop() {
    boolean drained = loop.stop();
    log.info("worker stopped ({})", drained ? "drained" : "grace period exceeded");
    // Last: liveness answers while the loop drains, so the orchestrator does not kill it mid-drain.
    server.close();
  }
}
