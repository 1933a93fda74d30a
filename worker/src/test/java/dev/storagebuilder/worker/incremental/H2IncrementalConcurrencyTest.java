package dev.storagebuilder.worker.incremental;

class H2IncrementalConcurrencyTest extends IncrementalConcurrencyContract {
  @Override
  SourceSchema.Dialect dialect() {
    return SourceSchema.Dialect.H2;
  }
}
