package io.mesh4j.config;

import java.util.List;
import java.util.Map;

/**
 * Request header changes a route makes. Immutable. {@code remove} is applied before {@code add};
 * {@code add} appends a value (an existing header of that name keeps its values).
 */
public record HeadersConfig(Map<String, String> add, List<String> remove) {
  public HeadersConfig {
    add = OrderedMaps.copyOf(add);
    remove = List.copyOf(remove);
  }
}
