package dev.storagebuilder.worker.app;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;

/**
 * Hikari's own Micrometer tracker on the source pool ({@code hikaricp_connections_active},
 * {@code _idle}, {@code _pending}, {@code _max}, acquire/usage timers; tag {@code pool=source}).
 * Set once the pool exists, which Hikari allows exactly once.
 */
@Singleton
final class SourcePoolMetrics implements BeanCreatedEventListener<HikariDataSource> {
  private final Provider<MeterRegistry> registry;

  SourcePoolMetrics(Provider<MeterRegistry> registry) {
    this.registry = registry;
  }

  @Override
  public HikariDataSource onCreated(BeanCreatedEvent<HikariDataSource> event) {
    HikariDataSource pool = event.getBean();
    if (pool.getMetricRegistry() == null) {
      pool.setMetricRegistry(registry.get());
    }
    return pool;
  }
}
