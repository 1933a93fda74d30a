package dev.storagebuilder.worker.app;

import io.micronaut.runtime.Micronaut;
import sun.misc.Signal;

/** Starts a worker: configuration, health and metrics from Micronaut, the message loop on startup. */
public final class WorkerApplication {
  private WorkerApplication() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(WorkerApplication.class).banner(false).start();
    // SIGTERM (ECS stop, scale-in) is a planned stop, not a failure: exit 0 once the shutdown hooks
    // have drained the loop (WorkerLifecycle). The JVM's default handler would exit 143.
    Signal.handle(new Signal("TERM"), signal -> System.exit(0));
  }
}
