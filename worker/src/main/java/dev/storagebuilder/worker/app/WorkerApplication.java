package dev.storagebuilder.worker.app;

import io.micronaut.runtime.Micronaut;

/** Starts a worker: configuration, health and metrics from Micronaut, the message loop on startup. */
public final class WorkerApplication {
  private WorkerApplication() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(WorkerApplication.class).banner(false).start();
  }
}
