package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.pipeline.MessageLoop;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts receiving once the health endpoint is up, and drains on shutdown (SIGTERM included). */
@Singleton
final class WorkerLifecycle implements ApplicationEventListener<ServerStartupEvent> {
  private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);
  private final MessageLoop loop;

  WorkerLifecycle(MessageLoop loop) {
    this.loop = loop;
  }

  @Override
  public void onApplicationEvent(ServerStartupEvent event) {
    loop.start();
    log.info("worker receiving");
  }

  @PreDestroy
  void stop() {
    boolean drained = loop.stop();
    log.info("worker stopped ({})", drained ? "drained" : "grace period exceeded");
  }
}
