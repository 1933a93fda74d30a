package dev.storagebuilder.producer;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;

/**
 * A bug at start-up that throws an IllegalArgumentException naming a setting, as a library or our
 * wiring might: only in a producer started with {@value #PROPERTY} (ProducerConfigRefusalIT).
 */
@Context
@Requires(property = IllegalArgumentAtStart.PROPERTY, value = "true")
final class IllegalArgumentAtStart {
  static final String PROPERTY = "refusal-test.illegal-argument-at-start";

  IllegalArgumentAtStart() {
    throw new IllegalArgumentException("storage-builder.enqueue.concurrency must be 1..64, got 0");
  }
}
