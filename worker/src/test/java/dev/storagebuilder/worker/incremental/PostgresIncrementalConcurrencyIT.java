package dev.storagebuilder.worker.incremental;

class PostgresIncrementalConcurrencyIT extends IncrementalConcurrencyContract {
  @Override
  SourceSchema.Dialect dialect() {
    return SourceSchema.Dialect.POSTGRESQL;
  }
}
