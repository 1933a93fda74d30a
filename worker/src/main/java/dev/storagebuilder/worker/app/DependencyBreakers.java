package dev.storagebuilder.worker.app;

import dev.storagebuilder.worker.resilience.DependencyBreaker;
import java.util.List;

/** The circuit breakers of the AWS dependencies every target needs (the source's is {@code ResilientRowSource}). */
record DependencyBreakers(DependencyBreaker s3, DependencyBreaker dynamodb) {
  List<DependencyBreaker> all() {
    return List.of(s3, dynamodb);
  }
}
