package io.mesh4j.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable copies of maps that keep the order the user wrote them in. */
final class OrderedMaps {
  private OrderedMaps() {}

  static <K, V> Map<K, V> copyOf(Map<K, V> map) {
    if (map == null || map.isEmpty()) return Map.of();
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
