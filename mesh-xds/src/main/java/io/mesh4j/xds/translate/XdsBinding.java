package io.mesh4j.xds.translate;

import java.util.List;

/**
 * Which listeners / route configurations are the outbound side (mesh4j {@code outbound}: calls
 * this application makes) and which are the inbound side ({@code inbound}: calls it serves).
 *
 * <p>A name may be a {@code Listener} name (its HttpConnectionManager's inline
 * {@code route_config} or {@code rds.route_config_name} is followed) or a
 * {@code RouteConfiguration} name. When several names are bound to one side their virtual hosts are
 * concatenated in the order given. A name that matches no resource is a REJECTED issue.
 *
 * <p>Immutable (lists copied; {@code null} means none); names must be non-null and non-blank.
 *
 * @param outbound listener or route configuration names translated into {@code outbound}
 * @param inbound listener or route configuration names translated into {@code inbound}
 */
public record XdsBinding(List<String> outbound, List<String> inbound) {

  public XdsBinding {
    outbound = outbound == null ? List.of() : List.copyOf(outbound);
    inbound = inbound == null ? List.of() : List.copyOf(inbound);
    for (String n : outbound) requireName(n);
    for (String n : inbound) requireName(n);
  }

  /** A binding with only an outbound side. */
  public static XdsBinding outbound(String... names) {
    return new XdsBinding(List.of(names), List.of());
  }

  private static void requireName(String name) {
    if (name.isBlank()) throw new IllegalArgumentException("blank listener/route config name");
  }
}
