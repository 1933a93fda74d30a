package dev.storagebuilder.worker.pipeline;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * What this worker recently wrote or read of immutable snapshot objects (manifests, key index
 * fences), by object key, least recently used dropped first once their weight exceeds the budget.
 * Safe because no key is ever overwritten (every commit writes under fresh keys); it saves the GETs
 * a warm worker would repeat on the next sync of the same target. Thread-safe.
 */
final class RecentObjects<V> {
  private final long budget;
  private final ToLongFunction<V> weight;
  private final LinkedHashMap<String, V> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long total;

  RecentObjects(long budget, ToLongFunction<V> weight) {
    this.budget = budget;
    this.weight = weight;
  }

  synchronized V get(String key) {
    return entries.get(key);
  }

  synchronized void put(String key, V value) {
    long w = weight.applyAsLong(value);
    if (w > budget) {
      return;
    }
    V old = entries.put(key, value);
    if (old != null) {
      total -= weight.applyAsLong(old);
    }
    total += w;
    Iterator<Map.Entry<String, V>> eldest = entries.entrySet().iterator();
    while (total > budget && eldest.hasNext()) {
      Map.Entry<String, V> entry = eldest.next();
      total -= weight.applyAsLong(entry.getValue());
      eldest.remove();
    }
  }
}
