package dev.storagebuilder.worker.app;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One health check's answer, shaped as the JSON the endpoints return:
 * {@code {"name": ..., "status": "UP"|"DOWN", "details": {...}}}.
 */
record Health(String name, boolean up, Map<String, Object> details) {
  Health {
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // in the checks' order
  }

  String status() {
    return up ? "UP" : "DOWN";
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", name);
    json.put("status", status());
    json.put("details", details);
    return json;
  }
}
