package dev.storagebuilder.local.source;

/** The demo source contract on H2. */
class H2DemoSourceIT extends AbstractDemoSourceIT {
  @Override
  SqlDialect dialect() {
    return SqlDialect.H2;
  }
}
