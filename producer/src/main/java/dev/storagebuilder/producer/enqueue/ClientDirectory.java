package dev.storagebuilder.producer.enqueue;

import java.util.List;

/** The source's tenants, as its clients query lists them. */
public interface ClientDirectory {
  /**
   * In the query's (stable) order; a client may appear more than once (the resolver counts it
   * once).
   *
   * @throws dev.storagebuilder.producer.ServiceUnavailableException when the source cannot be read
   */
  List<String> clientIds();
}
