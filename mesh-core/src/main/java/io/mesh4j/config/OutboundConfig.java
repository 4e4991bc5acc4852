package io.mesh4j.config;

import java.util.List;

/** The rules the OkHttp client applies to the calls it makes ({@code outbound:}). Immutable. */
public record OutboundConfig(List<VirtualHostConfig> virtualHosts) {
  /** No outbound virtual hosts: only the implicit cluster routes apply. */
  public static final OutboundConfig EMPTY = new OutboundConfig(List.of());

  public OutboundConfig {
    virtualHosts = List.copyOf(virtualHosts);
  }
}
