package dev.storagebuilder.worker.incremental;

class MariaDbIncrementalConcurrencyIT extends IncrementalConcurrencyContract {
  @Override
  SourceSchema.Dialect dialect() {
    return SourceSchema.Dialect.MARIADB;
  }
}
