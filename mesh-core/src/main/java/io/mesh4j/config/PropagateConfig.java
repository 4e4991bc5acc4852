package io.mesh4j.config;

import java.util.List;

/**
 * Headers carried from the request a service is handling onto the calls it makes. Immutable;
 * names lower-cased.
 */
public record PropagateConfig(List<String> headers) {
  public static final PropagateConfig NONE = new PropagateConfig(List.of());

  public PropagateConfig {
    headers = List.copyOf(headers);
  }
}
