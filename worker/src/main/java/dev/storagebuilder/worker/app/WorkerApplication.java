package dev.storagebuilder.worker.app;

import dev.storagebuilder.common.process.ParentWatch;
import io.micronaut.context.ApplicationContext;
import sun.misc.Signal;

/**
 * Starts a worker: configuration and wiring from Micronaut, then (WorkerLifecycle) the health and
 * metrics server and the message loop. No embedded Micronaut server: the JDK's HTTP server
 * ({@link ObservabilityServer}) answers the four GETs, and its dispatcher thread keeps the JVM up.
 */
public final class WorkerApplication {
  private WorkerApplication() {}

  public static void main(String[] args) {
    ParentWatch.startIfAsked();
    ApplicationContext context =
        new RefusalReportingMicronaut().args(args).mainClass(WorkerApplication.class).banner(false).start();
    // Micronaut registers its shutdown hook only for an embedded server; without one, this is the
    // hook that closes the context and so drains the loop (WorkerLifecycle's @PreDestroy).
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("worker-shutdown").unstarted(context::close));
    // SIGTERM (ECS stop, scale-in) is a planned stop, not a failure: exit 0 once the shutdown hooks
    // have drained the loop (WorkerLifecycle). The JVM's default handler would exit 143.
    Signal.handle(new Signal("TERM"), signal -> System.exit(0));
  }
}
