package dev.storagebuilder.producer;

import io.micronaut.runtime.Micronaut;

/** The producer: starts runs, reports their progress, inspects and redrives the DLQ. */
public final class ProducerApplication {
  private ProducerApplication() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(ProducerApplication.class).banner(false).start();
  }
}
