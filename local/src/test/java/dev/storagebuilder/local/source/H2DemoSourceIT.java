package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

/** The demo source contract on H2. */
class H2DemoSourceIT extends AbstractDemoSourceIT {
  @Override
  SqlDialect dialect() {
    return SqlDialect.H2;
  }
}
